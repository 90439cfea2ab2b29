/* The shared protocol vectors, checked against the agent's parser, decoders and encoders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "message.h"
#include "proto.h"
#include "tlv.h"
#include "vectors.h"

#define MAX_VECTORS 256

static char (*names)[512];
static size_t count;

static struct vector *load_all(void) {
    static char storage[MAX_VECTORS][512];
    names = storage;
    count = vector_list(harness_vector_dir(), names, MAX_VECTORS);
    return malloc(sizeof(struct vector));
}

static bool load(struct vector *v, size_t i) {
    char err[128];
    if (vector_load(names[i], v, err, sizeof err) != 0) {
        fprintf(stderr, "    %s: %s\n", names[i], err);
        return false;
    }
    return true;
}

static bool report(const struct vector *v, bool ok, const char *what) {
    if (!ok) fprintf(stderr, "    vector %s: %s\n", v->name, what);
    return ok;
}

/* Runs the stream parser over the whole frame as a receiver would. */
static bool check_frame_layer(const struct vector *v) {
    const uint8_t *p = v->frame;
    size_t left = v->frame_len, skipped = 0, used;
    struct frame f;
    enum parse_status st;
    while ((st = frame_parse(p, left, &f, &used)) == PARSE_SKIP) {
        skipped += used;
        p += used;
        left -= used;
    }
    if (strcmp(v->expect, "oversize") == 0) {
        return report(v, st == PARSE_OVERSIZE && f.channel == v->channel && used == 16,
                      "expected an oversize header");
    }
    if (strcmp(v->expect, "bad-version") == 0) {
        return report(v, st == PARSE_BAD_VERSION && used == left, "expected a bad version");
    }
    if (!report(v, st == PARSE_FRAME, "no frame parsed")) return false;
    if (!report(v, used == left, "frame does not span the rest of the bytes")) return false;
    if (!report(v, f.type == v->type && f.channel == v->channel, "type or channel differ")) {
        return false;
    }
    long want_skip = strcmp(v->expect, "resync") == 0 ? v->skipped : 0;
    if (!report(v, (long)skipped == want_skip, "skipped byte count differs")) return false;
    uint8_t expected[VEC_MAX_BYTES];
    size_t n = vector_expected_payload(v, expected, sizeof expected);
    return report(v, n == f.length && memcmp(expected, f.payload, n) == 0,
                  "payload differs from the described fields or values");
}

static bool check_open(const struct vector *v, const struct open_req *r) {
    size_t args = 0, envs = 0;
    for (size_t i = 0; i < v->nfields; i++) {
        const struct vec_field *f = &v->fields[i];
        bool ok = true;
        switch (f->tag) {
        case F_KIND: ok = r->kind == f->number; break;
        case F_ARG: ok = args < r->argc && strcmp(r->argv[args++], f->text) == 0; break;
        case F_ENV: ok = envs < r->envc && strcmp(r->envp[envs++], f->text) == 0; break;
        case F_CWD: ok = r->cwd && strcmp(r->cwd, f->text) == 0; break;
        case F_USER: ok = r->user && strcmp(r->user, f->text) == 0; break;
        case F_PATH: ok = r->path && strcmp(r->path, f->text) == 0; break;
        case F_HOST: ok = r->host && strcmp(r->host, f->text) == 0; break;
        case F_MODE: ok = r->has_mode && r->mode == f->number; break;
        case F_MTIME: ok = r->has_mtime && (uint64_t)r->mtime_ms == f->number; break;
        case F_PORT: ok = r->port == f->number; break;
        case F_TTY:
            ok = r->has_tty && r->rows == get_be16(f->raw) && r->cols == get_be16(f->raw + 2);
            break;
        default: break;
        }
        if (!ok) return report(v, false, "decoded OPEN differs from a field");
    }
    return report(v, args == r->argc && envs == r->envc, "decoded OPEN has extra ARG or ENV");
}

/* Decodes a frame the agent receives; returns whether the decoder accepted it. */
static bool host_frame_accepted(const struct vector *v, const struct frame *f, bool *matches) {
    const char *why;
    uint8_t stream, action;
    uint32_t inc;
    uint16_t rows, cols, code;
    int signo;
    const uint8_t *bytes;
    size_t len;
    struct hello_req hello;
    *matches = true;
    switch (f->type) {
    case T_HELLO:
        if (hello_req_decode(f->payload, f->length, &hello, &why) != 0) return false;
        *matches = hello.nonce == v->fields[0].number;
        return true;
    case T_PING: return ping_decode(f->payload, f->length, &why) == 0;
    case T_POWER:
        if (power_decode(f->payload, f->length, &action, &why) != 0) return false;
        *matches = action == vector_number(v, "action");
        return true;
    case T_OPEN: {
        struct open_req *r = open_req_decode(f->payload, f->length, &why);
        if (r == NULL) return false;
        *matches = check_open(v, r);
        open_req_free(r);
        return true;
    }
    case T_DATA:
        if (data_decode(f->payload, f->length, &stream, &bytes, &len, &why) != 0) return false;
        *matches = stream == vector_number(v, "stream");
        return true;
    case T_EOF:
        if (eof_decode(f->payload, f->length, &stream, &why) != 0) return false;
        *matches = stream == vector_number(v, "stream");
        return true;
    case T_WINDOW:
        if (window_decode(f->payload, f->length, &stream, &inc, &why) != 0) return false;
        *matches = stream == vector_number(v, "stream") && inc == vector_number(v, "increment");
        return true;
    case T_RESIZE:
        if (resize_decode(f->payload, f->length, &rows, &cols, &why) != 0) return false;
        *matches = rows == vector_number(v, "rows") && cols == vector_number(v, "cols");
        return true;
    case T_SIGNAL:
        if (signal_decode(f->payload, f->length, &signo, &why) != 0) return false;
        *matches = signo == vector_number(v, "signal");
        return true;
    case T_CLOSE:
        if (close_decode(f->payload, f->length, &code, &why) != 0) return false;
        *matches = code == vector_number(v, "code");
        return true;
    default: return false;
    }
}

static const struct vec_field *field(const struct vector *v, uint8_t tag) {
    for (size_t i = 0; i < v->nfields; i++) {
        if (v->fields[i].tag == tag) return &v->fields[i];
    }
    return NULL;
}

static size_t encode_agent_payload(const struct vector *v, uint8_t *out, size_t cap) {
    switch (v->type) {
    case T_HELLO: {
        struct hello_info info = {.nonce = field(v, F_NONCE)->number,
                                  .agent_version = field(v, F_AGENT_VERSION)->text,
                                  .kernel = field(v, F_KERNEL)->text,
                                  .boot_time_ms = field(v, F_BOOT_TIME)->number,
                                  .uptime_ms = field(v, F_UPTIME)->number,
                                  .hostname = field(v, F_HOSTNAME)->text,
                                  .transport = field(v, F_TRANSPORT)->text};
        return hello_reply_encode(out, cap, &info);
    }
    case T_OPENED: {
        struct opened_info info = {.kind = (uint8_t)field(v, F_KIND)->number};
        if (info.kind == KIND_EXEC) info.pid = (uint32_t)field(v, F_PID)->number;
        if (info.kind == KIND_GET) {
            info.file_type = (uint8_t)field(v, F_FILE_TYPE)->number;
            info.size = field(v, F_SIZE)->number;
            info.mode = (uint32_t)field(v, F_MODE)->number;
            info.mtime_ms = (int64_t)field(v, F_MTIME)->number;
        }
        return opened_encode(out, cap, &info);
    }
    case T_EOF: return eof_encode(out, (uint8_t)vector_number(v, "stream"));
    case T_WINDOW:
        return window_encode(out, (uint8_t)vector_number(v, "stream"),
                             (uint32_t)vector_number(v, "increment"));
    case T_EXIT:
        return exit_encode(out, (uint8_t)vector_number(v, "how"),
                           (int32_t)vector_number(v, "value"));
    case T_CLOSE:
        return close_encode(out, cap, (uint16_t)vector_number(v, "code"),
                            vector_value(v, "message"));
    default:
        /* DATA, PONG and POWER_ACK are a header and bytes the agent copies as they are. */
        return vector_expected_payload(v, out, cap);
    }
}

TEST(everyVectorParsesAtTheFrameLayerAsDescribed) {
    struct vector *v = load_all();
    CHECK(count >= 50);
    size_t bad = 0;
    for (size_t i = 0; i < count; i++) {
        if (!load(v, i) || !check_frame_layer(v)) bad++;
    }
    free(v);
    CHECK(bad == 0);
}

TEST(hostVectorsAreAcceptedOrRejectedByTheAgentDecoders) {
    struct vector *v = load_all();
    size_t bad = 0, checked = 0;
    for (size_t i = 0; i < count; i++) {
        if (!load(v, i) || strcmp(v->direction, "host") != 0) continue;
        bool ok = strcmp(v->expect, "ok") == 0, reject = strcmp(v->expect, "reject") == 0;
        if (!ok && !reject) continue;
        struct frame f;
        size_t used;
        frame_parse(v->frame, v->frame_len, &f, &used);
        bool matches;
        bool accepted = host_frame_accepted(v, &f, &matches);
        checked++;
        if (!report(v, accepted == ok, ok ? "decoder refused a valid frame"
                                          : "decoder accepted a malformed frame") ||
            !report(v, !accepted || matches, "decoded values differ")) {
            bad++;
        }
    }
    free(v);
    CHECK(checked >= 30);
    CHECK(bad == 0);
}

TEST(agentVectorsAreExactlyWhatTheAgentEncodes) {
    struct vector *v = load_all();
    size_t bad = 0, checked = 0;
    for (size_t i = 0; i < count; i++) {
        if (!load(v, i) || strcmp(v->direction, "agent") != 0 || strcmp(v->expect, "ok") != 0) {
            continue;
        }
        static uint8_t out[FRAME_HEADER_SIZE + PROTO_MAX_PAYLOAD];
        size_t n = encode_agent_payload(v, out + FRAME_HEADER_SIZE, PROTO_MAX_PAYLOAD);
        frame_header_encode(out, v->type, v->channel, (uint32_t)n);
        checked++;
        if (!report(v, n + FRAME_HEADER_SIZE == v->frame_len &&
                           memcmp(out, v->frame, v->frame_len) == 0,
                    "agent encoding differs from the vector bytes")) {
            bad++;
        }
    }
    free(v);
    CHECK(checked >= 12);
    CHECK(bad == 0);
}
