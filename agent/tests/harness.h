/* A minimal unit-test harness: TEST(name) registers a scenario, CHECK fails it. */
#ifndef BANGER_TEST_HARNESS_H
#define BANGER_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

void harness_register(const char *name, void (*fn)(void));
void harness_fail(const char *file, int line, const char *what);
const char *harness_vector_dir(void);
/* A fresh empty directory for the running test, removed after it. */
const char *harness_temp_dir(void);

#define TEST(name)                                                                          \
    static void name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void) {                        \
        harness_register(#name, name);                                                      \
    }                                                                                       \
    static void name(void)

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            harness_fail(__FILE__, __LINE__, #cond);                                        \
            return;                                                                         \
        }                                                                                   \
    } while (0)

#define CHECK_STR(a, b) CHECK((a) != NULL && (b) != NULL && strcmp((a), (b)) == 0)

#endif
