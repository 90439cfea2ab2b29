#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "vectors.h"

#define MAX_TESTS 256

struct test_case {
    const char *name;
    void (*fn)(void);
};

static struct test_case tests[MAX_TESTS];
static size_t ntests;
static bool current_failed;
static const char *vector_dir;
static char temp_dir[256];

void harness_register(const char *name, void (*fn)(void)) {
    if (ntests < MAX_TESTS) tests[ntests++] = (struct test_case){name, fn};
}

void harness_fail(const char *file, int line, const char *what) {
    fprintf(stderr, "    %s:%d: check failed: %s\n", file, line, what);
    current_failed = true;
}

const char *harness_vector_dir(void) { return vector_dir; }

const char *harness_temp_dir(void) {
    if (temp_dir[0] == '\0') {
        snprintf(temp_dir, sizeof temp_dir, "/tmp/agent-test-XXXXXX");
        if (mkdtemp(temp_dir) == NULL) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return temp_dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void drop_temp_dir(void) {
    if (temp_dir[0] != '\0') {
        nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        temp_dir[0] = '\0';
    }
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--write-corpus") == 0) {
        return vectors_write_corpus(argv[2], argv[3]);
    }
    vector_dir = argc > 1 ? argv[1] : "testdata/vectors";
    const char *only = argc > 2 ? argv[2] : NULL;
    int passed = 0, failed = 0;
    for (size_t i = 0; i < ntests; i++) {
        if (only != NULL && strstr(tests[i].name, only) == NULL) continue;
        current_failed = false;
        tests[i].fn();
        drop_temp_dir();
        printf("%s %s\n", current_failed ? "FAIL" : "ok  ", tests[i].name);
        if (current_failed) failed++;
        else passed++;
    }
    printf("agent: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
