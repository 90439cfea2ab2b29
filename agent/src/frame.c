/* Frame header encoding and the resynchronising stream parser. */
#include <string.h>

#include "proto.h"

uint32_t crc32_ieee(const uint8_t *data, size_t len) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return crc ^ 0xFFFFFFFFu;
}

void frame_header_encode(uint8_t out[FRAME_HEADER_SIZE], uint8_t type, uint32_t channel,
                         uint32_t length) {
    out[0] = PROTO_MAGIC0;
    out[1] = PROTO_MAGIC1;
    out[2] = PROTO_VERSION;
    out[3] = type;
    put_be32(out + 4, channel);
    put_be32(out + 8, length);
    put_be32(out + 12, crc32_ieee(out, 12));
}

static void decode_header(const uint8_t *buf, struct frame *f) {
    f->version = buf[2];
    f->type = buf[3];
    f->channel = get_be32(buf + 4);
    f->length = get_be32(buf + 8);
    f->payload = buf + FRAME_HEADER_SIZE;
}

/* Skip to the next byte that could start a frame, so garbage is dropped in one step. */
static enum parse_status skip_garbage(const uint8_t *buf, size_t len, size_t *consumed) {
    const uint8_t *next = memchr(buf + 1, PROTO_MAGIC0, len - 1);
    *consumed = next ? (size_t)(next - buf) : len;
    return PARSE_SKIP;
}

enum parse_status frame_parse(const uint8_t *buf, size_t len, struct frame *f, size_t *consumed) {
    *consumed = 0;
    if (len == 0) {
        return PARSE_NEED_MORE;
    }
    if (buf[0] != PROTO_MAGIC0) {
        return skip_garbage(buf, len, consumed);
    }
    if (len >= 2 && buf[1] != PROTO_MAGIC1) {
        return skip_garbage(buf, len, consumed);
    }
    if (len < FRAME_HEADER_SIZE) {
        return PARSE_NEED_MORE;
    }
    if (get_be32(buf + 12) != crc32_ieee(buf, 12)) {
        return skip_garbage(buf, len, consumed);
    }
    decode_header(buf, f);
    if (f->length > PROTO_MAX_PAYLOAD) {
        /* The payload cannot be trusted to be there: drop the header and resynchronise. */
        *consumed = FRAME_HEADER_SIZE;
        return PARSE_OVERSIZE;
    }
    if (len - FRAME_HEADER_SIZE < f->length) {
        return PARSE_NEED_MORE;
    }
    *consumed = FRAME_HEADER_SIZE + f->length;
    return f->version == PROTO_VERSION ? PARSE_FRAME : PARSE_BAD_VERSION;
}
