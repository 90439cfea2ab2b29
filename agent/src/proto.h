/* Wire constants and frame layer of the banger agent protocol (docs/agent-protocol.md). */
#ifndef BANGER_PROTO_H
#define BANGER_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC0 0x42u
#define PROTO_MAGIC1 0x47u
#define PROTO_VERSION 1u
#define FRAME_HEADER_SIZE 16u
#define PROTO_MAX_PAYLOAD 65536u
#define PROTO_MAX_DATA (PROTO_MAX_PAYLOAD - 1u)
#define PROTO_INITIAL_WINDOW 262144u
#define PROTO_MAX_PING 1024u
#define PROTO_MAX_CLOSE_MESSAGE 1024u
#define PROTO_MAX_CHANNELS 1024u
#define PROTO_CONTROL_CHANNEL 0u
#define AGENT_VSOCK_PORT 10789u

enum frame_type {
    T_HELLO = 0x01,
    T_PING = 0x02,
    T_PONG = 0x03,
    T_POWER = 0x04,
    T_POWER_ACK = 0x05,
    T_OPEN = 0x10,
    T_OPENED = 0x11,
    T_DATA = 0x12,
    T_EOF = 0x13,
    T_WINDOW = 0x14,
    T_RESIZE = 0x15,
    T_SIGNAL = 0x16,
    T_EXIT = 0x17,
    T_CLOSE = 0x18,
};

enum stream_id { STREAM_IN = 0, STREAM_OUT = 1, STREAM_ERR = 2 };

enum open_kind {
    KIND_EXEC = 1,
    KIND_PUT_FILE = 2,
    KIND_GET = 3,
    KIND_PUT_TAR = 4,
    KIND_DIAL = 5,
};

enum field_tag {
    F_NONCE = 1,
    F_AGENT_VERSION = 2,
    F_KERNEL = 3,
    F_BOOT_TIME = 4,
    F_UPTIME = 5,
    F_HOSTNAME = 6,
    F_TRANSPORT = 7,
    F_MAX_PAYLOAD = 8,
    F_WINDOW = 9,
    F_KIND = 16,
    F_ARG = 17,
    F_ENV = 18,
    F_CWD = 19,
    F_USER = 20,
    F_TTY = 21,
    F_PATH = 22,
    F_MODE = 23,
    F_MTIME = 24,
    F_PID = 25,
    F_FILE_TYPE = 26,
    F_SIZE = 27,
    F_PORT = 28,
    F_HOST = 29,
};

enum close_code {
    CLOSE_OK = 0,
    CLOSE_PROTOCOL = 1,
    CLOSE_UNSUPPORTED = 2,
    CLOSE_INVALID = 3,
    CLOSE_NOT_FOUND = 4,
    CLOSE_PERMISSION = 5,
    CLOSE_IO = 6,
    CLOSE_REFUSED = 7,
    CLOSE_LIMIT = 8,
    CLOSE_ABORTED = 9,
};

enum power_action { POWER_OFF = 1, POWER_REBOOT = 2 };
enum file_type { FILE_REGULAR = 1, FILE_DIRECTORY = 2 };
enum exit_how { EXIT_CODE = 0, EXIT_SIGNAL = 1 };

struct frame {
    uint8_t version;
    uint8_t type;
    uint32_t channel;
    uint32_t length;
    const uint8_t *payload;
};

enum parse_status {
    PARSE_NEED_MORE,   /* not enough bytes for the next frame yet */
    PARSE_FRAME,       /* a complete, well-formed frame */
    PARSE_SKIP,        /* bytes that cannot start a frame were discarded (resync) */
    PARSE_OVERSIZE,    /* valid header announcing a payload above the limit; header discarded */
    PARSE_BAD_VERSION, /* valid header and payload of another protocol version; discarded */
};

uint32_t crc32_ieee(const uint8_t *data, size_t len);
void frame_header_encode(uint8_t out[FRAME_HEADER_SIZE], uint8_t type, uint32_t channel,
                         uint32_t length);
enum parse_status frame_parse(const uint8_t *buf, size_t len, struct frame *f, size_t *consumed);

static inline uint16_t get_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

static inline uint32_t get_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t get_be64(const uint8_t *p) {
    return ((uint64_t)get_be32(p) << 32) | get_be32(p + 4);
}

static inline void put_be16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void put_be64(uint8_t *p, uint64_t v) {
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

#endif
