/* Tag-length-value reader and writer: [tag u8][length u16 BE][value]. */
#include <string.h>

#include "proto.h"
#include "tlv.h"

void tlv_reader_init(struct tlv_reader *r, const uint8_t *data, size_t len) {
    r->data = data;
    r->len = len;
    r->pos = 0;
}

enum tlv_status tlv_next(struct tlv_reader *r, struct tlv_field *f) {
    if (r->pos == r->len) {
        return TLV_END;
    }
    if (r->len - r->pos < 3) {
        return TLV_TRUNCATED;
    }
    const uint8_t *p = r->data + r->pos;
    uint16_t len = get_be16(p + 1);
    if (r->len - r->pos - 3 < len) {
        return TLV_TRUNCATED;
    }
    f->tag = p[0];
    f->len = len;
    f->value = p + 3;
    r->pos += 3u + len;
    return TLV_FIELD;
}

void tlv_writer_init(struct tlv_writer *w, uint8_t *buf, size_t cap) {
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = false;
}

void tlv_put(struct tlv_writer *w, uint8_t tag, const void *value, size_t len) {
    if (w->overflow || len > 0xFFFFu || w->cap - w->len < 3 + len) {
        w->overflow = true;
        return;
    }
    uint8_t *p = w->buf + w->len;
    p[0] = tag;
    put_be16(p + 1, (uint16_t)len);
    if (len > 0) {
        memcpy(p + 3, value, len);
    }
    w->len += 3 + len;
}

void tlv_put_u8(struct tlv_writer *w, uint8_t tag, uint8_t v) { tlv_put(w, tag, &v, 1); }

void tlv_put_u16(struct tlv_writer *w, uint8_t tag, uint16_t v) {
    uint8_t b[2];
    put_be16(b, v);
    tlv_put(w, tag, b, sizeof b);
}

void tlv_put_u32(struct tlv_writer *w, uint8_t tag, uint32_t v) {
    uint8_t b[4];
    put_be32(b, v);
    tlv_put(w, tag, b, sizeof b);
}

void tlv_put_u64(struct tlv_writer *w, uint8_t tag, uint64_t v) {
    uint8_t b[8];
    put_be64(b, v);
    tlv_put(w, tag, b, sizeof b);
}

void tlv_put_str(struct tlv_writer *w, uint8_t tag, const char *s) {
    tlv_put(w, tag, s, strlen(s));
}
