/* Typed payload codecs. Everything here treats its input as hostile: lengths are checked
 * before every read and strings are copied out, NUL-terminated, only after validation. */
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "proto.h"
#include "tlv.h"

static int fail(const char **why, const char *reason) {
    *why = reason;
    return -1;
}

int hello_req_decode(const uint8_t *p, size_t n, struct hello_req *out, const char **why) {
    struct tlv_reader r;
    struct tlv_field f;
    bool have_nonce = false;
    enum tlv_status st;
    tlv_reader_init(&r, p, n);
    while ((st = tlv_next(&r, &f)) == TLV_FIELD) {
        if (f.tag != F_NONCE) {
            continue; /* unknown fields are allowed for forward compatibility */
        }
        if (have_nonce) {
            return fail(why, "duplicate NONCE field");
        }
        if (f.len != 8) {
            return fail(why, "NONCE field is not 8 bytes");
        }
        out->nonce = get_be64(f.value);
        have_nonce = true;
    }
    if (st == TLV_TRUNCATED) {
        return fail(why, "truncated field");
    }
    return have_nonce ? 0 : fail(why, "missing NONCE field");
}

static bool is_string_tag(uint8_t tag) {
    return tag == F_ARG || tag == F_ENV || tag == F_CWD || tag == F_USER || tag == F_PATH ||
           tag == F_HOST;
}

/* First pass: validate shapes and count what must be allocated. */
static int open_req_scan(const uint8_t *p, size_t n, size_t *argc, size_t *envc,
                         size_t *string_bytes, const char **why) {
    struct tlv_reader r;
    struct tlv_field f;
    enum tlv_status st;
    uint64_t seen = 0;
    tlv_reader_init(&r, p, n);
    *argc = *envc = *string_bytes = 0;
    while ((st = tlv_next(&r, &f)) == TLV_FIELD) {
        bool repeatable = f.tag == F_ARG || f.tag == F_ENV;
        if (f.tag < 64 && !repeatable) {
            if (seen & (1ull << f.tag)) {
                return fail(why, "duplicate field");
            }
            seen |= 1ull << f.tag;
        }
        if (is_string_tag(f.tag)) {
            if (memchr(f.value, 0, f.len) != NULL) {
                return fail(why, "string field contains a NUL byte");
            }
            *string_bytes += f.len + 1u;
        }
        if (f.tag == F_ARG) {
            (*argc)++;
        } else if (f.tag == F_ENV) {
            const uint8_t *eq = memchr(f.value, '=', f.len);
            if (eq == NULL || eq == f.value) {
                return fail(why, "ENV field is not NAME=VALUE");
            }
            (*envc)++;
        }
    }
    if (st == TLV_TRUNCATED) {
        return fail(why, "truncated field");
    }
    if ((seen & (1ull << F_KIND)) == 0) {
        return fail(why, "missing KIND field");
    }
    return 0;
}

static char *copy_string(char **cursor, const struct tlv_field *f) {
    char *s = *cursor;
    memcpy(s, f->value, f->len);
    s[f->len] = '\0';
    *cursor += f->len + 1u;
    return s;
}

static int fixed(const struct tlv_field *f, uint16_t want, const char **why) {
    return f->len == want ? 0 : fail(why, "field has the wrong size");
}

static int open_req_fill(struct open_req *req, const uint8_t *p, size_t n, char *strings,
                         const char **why) {
    struct tlv_reader r;
    struct tlv_field f;
    char *cursor = strings;
    tlv_reader_init(&r, p, n);
    while (tlv_next(&r, &f) == TLV_FIELD) {
        switch (f.tag) {
        case F_KIND:
            if (fixed(&f, 1, why)) return -1;
            req->kind = f.value[0];
            break;
        case F_ARG: req->argv[req->argc++] = copy_string(&cursor, &f); break;
        case F_ENV: req->envp[req->envc++] = copy_string(&cursor, &f); break;
        case F_CWD: req->cwd = copy_string(&cursor, &f); break;
        case F_USER: req->user = copy_string(&cursor, &f); break;
        case F_PATH: req->path = copy_string(&cursor, &f); break;
        case F_HOST: req->host = copy_string(&cursor, &f); break;
        case F_TTY:
            if (fixed(&f, 4, why)) return -1;
            req->has_tty = true;
            req->rows = get_be16(f.value);
            req->cols = get_be16(f.value + 2);
            break;
        case F_MODE:
            if (fixed(&f, 4, why)) return -1;
            req->has_mode = true;
            req->mode = get_be32(f.value);
            break;
        case F_MTIME:
            if (fixed(&f, 8, why)) return -1;
            req->has_mtime = true;
            req->mtime_ms = (int64_t)get_be64(f.value);
            break;
        case F_PORT:
            if (fixed(&f, 2, why)) return -1;
            req->port = get_be16(f.value);
            break;
        default: break;
        }
    }
    return 0;
}

static int need_absolute_path(const struct open_req *req, const char **why) {
    if (req->path == NULL) {
        return fail(why, "missing PATH field");
    }
    return req->path[0] == '/' ? 0 : fail(why, "PATH is not absolute");
}

static int open_req_check(const struct open_req *req, const char **why) {
    switch (req->kind) {
    case KIND_EXEC:
        if (req->argc == 0) return fail(why, "EXEC without ARG fields");
        if (req->argv[0][0] == '\0') return fail(why, "empty program name");
        if (req->cwd != NULL && req->cwd[0] != '/') return fail(why, "CWD is not absolute");
        return 0;
    case KIND_PUT_FILE:
        if (req->has_mode && req->mode > 07777u) return fail(why, "MODE out of range");
        return need_absolute_path(req, why);
    case KIND_GET:
    case KIND_PUT_TAR:
        return need_absolute_path(req, why);
    case KIND_DIAL:
        return req->port != 0 ? 0 : fail(why, "DIAL without PORT field");
    default:
        return fail(why, "unknown KIND");
    }
}

struct open_req *open_req_decode(const uint8_t *p, size_t n, const char **why) {
    size_t argc, envc, string_bytes;
    if (open_req_scan(p, n, &argc, &envc, &string_bytes, why) != 0) {
        return NULL;
    }
    struct open_req *req = calloc(1, sizeof *req);
    if (req == NULL) {
        *why = "out of memory";
        return NULL;
    }
    req->argv = calloc(argc + 1, sizeof *req->argv);
    req->envp = calloc(envc + 1, sizeof *req->envp);
    req->storage = malloc(string_bytes + 1);
    if (req->argv == NULL || req->envp == NULL || req->storage == NULL) {
        *why = "out of memory";
        open_req_free(req);
        return NULL;
    }
    if (open_req_fill(req, p, n, req->storage, why) != 0 || open_req_check(req, why) != 0) {
        open_req_free(req);
        return NULL;
    }
    return req;
}

void open_req_free(struct open_req *r) {
    if (r == NULL) {
        return;
    }
    free(r->storage);
    free(r->argv);
    free(r->envp);
    free(r);
}

int data_decode(const uint8_t *p, size_t n, uint8_t *stream, const uint8_t **bytes, size_t *len,
                const char **why) {
    if (n < 1) return fail(why, "DATA without stream byte");
    if (p[0] > STREAM_ERR) return fail(why, "DATA on an unknown stream");
    *stream = p[0];
    *bytes = p + 1;
    *len = n - 1;
    return 0;
}

int eof_decode(const uint8_t *p, size_t n, uint8_t *stream, const char **why) {
    if (n != 1) return fail(why, "EOF payload is not 1 byte");
    if (p[0] > STREAM_ERR) return fail(why, "EOF on an unknown stream");
    *stream = p[0];
    return 0;
}

int window_decode(const uint8_t *p, size_t n, uint8_t *stream, uint32_t *increment,
                  const char **why) {
    if (n != 5) return fail(why, "WINDOW payload is not 5 bytes");
    if (p[0] > STREAM_ERR) return fail(why, "WINDOW on an unknown stream");
    *stream = p[0];
    *increment = get_be32(p + 1);
    if (*increment == 0 || *increment > PROTO_INITIAL_WINDOW) {
        return fail(why, "WINDOW increment out of range");
    }
    return 0;
}

int resize_decode(const uint8_t *p, size_t n, uint16_t *rows, uint16_t *cols, const char **why) {
    if (n != 4) return fail(why, "RESIZE payload is not 4 bytes");
    *rows = get_be16(p);
    *cols = get_be16(p + 2);
    return 0;
}

int signal_decode(const uint8_t *p, size_t n, int *signo, const char **why) {
    if (n != 1) return fail(why, "SIGNAL payload is not 1 byte");
    if (p[0] < 1 || p[0] > 64) return fail(why, "SIGNAL number out of range");
    *signo = p[0];
    return 0;
}

int power_decode(const uint8_t *p, size_t n, uint8_t *action, const char **why) {
    if (n != 1) return fail(why, "POWER payload is not 1 byte");
    if (p[0] != POWER_OFF && p[0] != POWER_REBOOT) return fail(why, "unknown POWER action");
    *action = p[0];
    return 0;
}

int close_decode(const uint8_t *p, size_t n, uint16_t *code, const char **why) {
    if (n < 2) return fail(why, "CLOSE payload shorter than 2 bytes");
    if (n - 2 > PROTO_MAX_CLOSE_MESSAGE) return fail(why, "CLOSE message too long");
    *code = get_be16(p);
    return 0;
}

int ping_decode(const uint8_t *p, size_t n, const char **why) {
    (void)p;
    return n <= PROTO_MAX_PING ? 0 : fail(why, "PING payload too long");
}

size_t hello_reply_encode(uint8_t *buf, size_t cap, const struct hello_info *info) {
    struct tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_put_u64(&w, F_NONCE, info->nonce);
    tlv_put_str(&w, F_AGENT_VERSION, info->agent_version);
    tlv_put_str(&w, F_KERNEL, info->kernel);
    tlv_put_u64(&w, F_BOOT_TIME, info->boot_time_ms);
    tlv_put_u64(&w, F_UPTIME, info->uptime_ms);
    tlv_put_str(&w, F_HOSTNAME, info->hostname);
    tlv_put_str(&w, F_TRANSPORT, info->transport);
    tlv_put_u32(&w, F_MAX_PAYLOAD, PROTO_MAX_PAYLOAD);
    tlv_put_u32(&w, F_WINDOW, PROTO_INITIAL_WINDOW);
    return w.overflow ? 0 : w.len;
}

size_t opened_encode(uint8_t *buf, size_t cap, const struct opened_info *info) {
    struct tlv_writer w;
    tlv_writer_init(&w, buf, cap);
    tlv_put_u8(&w, F_KIND, info->kind);
    if (info->kind == KIND_EXEC) {
        tlv_put_u32(&w, F_PID, info->pid);
    } else if (info->kind == KIND_GET) {
        tlv_put_u8(&w, F_FILE_TYPE, info->file_type);
        tlv_put_u64(&w, F_SIZE, info->size);
        tlv_put_u32(&w, F_MODE, info->mode);
        tlv_put_u64(&w, F_MTIME, (uint64_t)info->mtime_ms);
    }
    return w.overflow ? 0 : w.len;
}

size_t eof_encode(uint8_t *buf, uint8_t stream) {
    buf[0] = stream;
    return 1;
}

size_t window_encode(uint8_t *buf, uint8_t stream, uint32_t increment) {
    buf[0] = stream;
    put_be32(buf + 1, increment);
    return 5;
}

size_t exit_encode(uint8_t *buf, uint8_t how, int32_t value) {
    buf[0] = how;
    put_be32(buf + 1, (uint32_t)value);
    return 5;
}

size_t close_encode(uint8_t *buf, size_t cap, uint16_t code, const char *message) {
    size_t len = message ? strlen(message) : 0;
    if (len > PROTO_MAX_CLOSE_MESSAGE) {
        len = PROTO_MAX_CLOSE_MESSAGE;
    }
    if (cap < 2 + len) {
        len = cap - 2;
    }
    put_be16(buf, code);
    if (len > 0) {
        memcpy(buf + 2, message, len);
    }
    return 2 + len;
}
