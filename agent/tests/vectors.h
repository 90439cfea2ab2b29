/* Reader of the shared protocol test vectors (testdata/vectors/README.md). */
#ifndef BANGER_TEST_VECTORS_H
#define BANGER_TEST_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VEC_MAX_FIELDS 32
#define VEC_MAX_VALUES 8
#define VEC_MAX_BYTES 70000

struct vec_field {
    uint8_t tag;
    char kind[8];
    uint8_t raw[2048];
    size_t len;
    uint64_t number; /* for integer kinds */
    char text[2048]; /* for str */
};

struct vec_value {
    char key[16];
    char text[2048];
};

struct vector {
    char name[128];
    char direction[8];
    uint8_t type;
    uint32_t channel;
    char expect[16];
    long skipped;
    struct vec_field fields[VEC_MAX_FIELDS];
    size_t nfields;
    struct vec_value values[VEC_MAX_VALUES];
    size_t nvalues;
    bool has_payload;
    uint8_t payload[VEC_MAX_BYTES];
    size_t payload_len;
    uint8_t frame[VEC_MAX_BYTES];
    size_t frame_len;
};

/* Lists *.vec files of dir, sorted; returns how many (at most max). */
size_t vector_list(const char *dir, char (*names)[512], size_t max);
int vector_load(const char *path, struct vector *v, char *err, size_t errlen);
const char *vector_value(const struct vector *v, const char *key);
long vector_number(const struct vector *v, const char *key);
/* The payload the fields, values or payload line describe. */
size_t vector_expected_payload(const struct vector *v, uint8_t *out, size_t cap);
/* Writes the frame bytes of every vector into out_dir, one file each: the fuzzer's seeds. */
int vectors_write_corpus(const char *dir, const char *out_dir);
int hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len);

#endif
