/* Typed payloads: decoders for what the host sends, encoders for what the agent sends. */
#ifndef BANGER_MESSAGE_H
#define BANGER_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A decoder returns 0 on success or -1 with *why set to a static reason. */

struct hello_req {
    uint64_t nonce;
};

struct hello_info {
    uint64_t nonce;
    const char *agent_version;
    const char *kernel;
    uint64_t boot_time_ms;
    uint64_t uptime_ms;
    const char *hostname;
    const char *transport;
};

/* A decoded OPEN request. Strings are NUL-terminated copies owned by the struct. */
struct open_req {
    uint8_t kind;
    char **argv; /* NULL-terminated */
    size_t argc;
    char **envp; /* NULL-terminated */
    size_t envc;
    char *cwd;
    char *user;
    char *path;
    char *host;
    bool has_tty;
    uint16_t rows;
    uint16_t cols;
    bool has_mode;
    uint32_t mode;
    bool has_mtime;
    int64_t mtime_ms;
    uint16_t port;
    char *storage; /* backing block of every string above */
};

struct opened_info {
    uint8_t kind;
    uint32_t pid;       /* KIND_EXEC */
    uint8_t file_type;  /* KIND_GET */
    uint64_t size;      /* KIND_GET */
    uint32_t mode;      /* KIND_GET */
    int64_t mtime_ms;   /* KIND_GET */
};

int hello_req_decode(const uint8_t *p, size_t n, struct hello_req *out, const char **why);
struct open_req *open_req_decode(const uint8_t *p, size_t n, const char **why);
void open_req_free(struct open_req *r);
int data_decode(const uint8_t *p, size_t n, uint8_t *stream, const uint8_t **bytes, size_t *len,
                const char **why);
int eof_decode(const uint8_t *p, size_t n, uint8_t *stream, const char **why);
int window_decode(const uint8_t *p, size_t n, uint8_t *stream, uint32_t *increment,
                  const char **why);
int resize_decode(const uint8_t *p, size_t n, uint16_t *rows, uint16_t *cols, const char **why);
int signal_decode(const uint8_t *p, size_t n, int *signo, const char **why);
int power_decode(const uint8_t *p, size_t n, uint8_t *action, const char **why);
int close_decode(const uint8_t *p, size_t n, uint16_t *code, const char **why);
int ping_decode(const uint8_t *p, size_t n, const char **why);

/* Encoders write into buf (at least PROTO_MAX_PAYLOAD bytes) and return the payload length. */
size_t hello_reply_encode(uint8_t *buf, size_t cap, const struct hello_info *info);
size_t opened_encode(uint8_t *buf, size_t cap, const struct opened_info *info);
size_t eof_encode(uint8_t *buf, uint8_t stream);
size_t window_encode(uint8_t *buf, uint8_t stream, uint32_t increment);
size_t exit_encode(uint8_t *buf, uint8_t how, int32_t value);
size_t close_encode(uint8_t *buf, size_t cap, uint16_t code, const char *message);

#endif
