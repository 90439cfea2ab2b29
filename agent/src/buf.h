/* Growable byte queue: append at the tail, consume from the head. */
#ifndef BANGER_BUF_H
#define BANGER_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t head;
    size_t len;
    size_t cap;
};

/* Make room for at least extra bytes after the tail; returns 0 or -1 on allocation failure. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
static inline uint8_t *buf_start(const struct buf *b) { return b->data + b->head; }
static inline uint8_t *buf_tail(const struct buf *b) { return b->data + b->head + b->len; }
void buf_commit(struct buf *b, size_t n);
void buf_consume(struct buf *b, size_t n);
void buf_clear(struct buf *b);
void buf_free(struct buf *b);

#endif
