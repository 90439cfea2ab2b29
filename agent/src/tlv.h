/* Tag-length-value fields used in structured payloads (HELLO, OPEN, OPENED). */
#ifndef BANGER_TLV_H
#define BANGER_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tlv_field {
    uint8_t tag;
    uint16_t len;
    const uint8_t *value;
};

struct tlv_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
};

enum tlv_status { TLV_END = 0, TLV_FIELD = 1, TLV_TRUNCATED = -1 };

struct tlv_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

void tlv_reader_init(struct tlv_reader *r, const uint8_t *data, size_t len);
enum tlv_status tlv_next(struct tlv_reader *r, struct tlv_field *f);

void tlv_writer_init(struct tlv_writer *w, uint8_t *buf, size_t cap);
void tlv_put(struct tlv_writer *w, uint8_t tag, const void *value, size_t len);
void tlv_put_u8(struct tlv_writer *w, uint8_t tag, uint8_t v);
void tlv_put_u16(struct tlv_writer *w, uint8_t tag, uint16_t v);
void tlv_put_u32(struct tlv_writer *w, uint8_t tag, uint32_t v);
void tlv_put_u64(struct tlv_writer *w, uint8_t tag, uint64_t v);
void tlv_put_str(struct tlv_writer *w, uint8_t tag, const char *s);

#endif
