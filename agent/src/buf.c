#include <stdlib.h>
#include <string.h>

#include "buf.h"

int buf_reserve(struct buf *b, size_t extra) {
    if (b->cap - b->head - b->len >= extra) {
        return 0;
    }
    if (b->head > 0) {
        memmove(b->data, b->data + b->head, b->len);
        b->head = 0;
        if (b->cap - b->len >= extra) {
            return 0;
        }
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < extra) {
        cap *= 2;
    }
    uint8_t *data = realloc(b->data, cap);
    if (data == NULL) {
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

int buf_append(struct buf *b, const void *p, size_t n) {
    if (buf_reserve(b, n) != 0) {
        return -1;
    }
    memcpy(buf_tail(b), p, n);
    b->len += n;
    return 0;
}

void buf_commit(struct buf *b, size_t n) { b->len += n; }

void buf_consume(struct buf *b, size_t n) {
    b->head += n;
    b->len -= n;
    if (b->len == 0) {
        b->head = 0;
    }
}

void buf_clear(struct buf *b) {
    b->head = 0;
    b->len = 0;
}

void buf_free(struct buf *b) {
    free(b->data);
    b->data = NULL;
    b->head = b->len = b->cap = 0;
}
