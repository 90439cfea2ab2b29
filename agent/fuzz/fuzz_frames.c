/* libFuzzer harness: everything in the agent that reads bytes it did not write. The input is
 * fed to the frame parser as a stream in uneven chunks, as reads from a socket deliver it,
 * and every frame found goes through the decoder of its type. The same bytes are also read
 * as a tar header, PAX records, a kernel command line and an entrypoint file. */
#include <stdlib.h>
#include <string.h>

#include "bootparams.h"
#include "init.h"
#include "log.h"
#include "message.h"
#include "proto.h"
#include "tar.h"
#include "tlv.h"

static void decode(const struct frame *f) {
    const char *why;
    uint8_t stream, action;
    uint32_t inc;
    uint16_t rows, cols, code;
    int signo;
    const uint8_t *bytes;
    size_t len;
    struct hello_req hello;
    struct tlv_reader r;
    struct tlv_field field;
    tlv_reader_init(&r, f->payload, f->length);
    while (tlv_next(&r, &field) == TLV_FIELD) {
    }
    (void)hello_req_decode(f->payload, f->length, &hello, &why);
    open_req_free(open_req_decode(f->payload, f->length, &why));
    (void)data_decode(f->payload, f->length, &stream, &bytes, &len, &why);
    (void)eof_decode(f->payload, f->length, &stream, &why);
    (void)window_decode(f->payload, f->length, &stream, &inc, &why);
    (void)resize_decode(f->payload, f->length, &rows, &cols, &why);
    (void)signal_decode(f->payload, f->length, &signo, &why);
    (void)power_decode(f->payload, f->length, &action, &why);
    (void)close_decode(f->payload, f->length, &code, &why);
    (void)ping_decode(f->payload, f->length, &why);
}

static void parse_stream(const uint8_t *data, size_t size) {
    static const size_t chunks[] = {1, 7, 64, 4096, 3, 65536};
    uint8_t *buf = malloc(size + 1);
    size_t have = 0, fed = 0, round = 0;
    while (fed < size) {
        size_t n = chunks[round++ % (sizeof chunks / sizeof chunks[0])];
        if (n > size - fed) n = size - fed;
        memcpy(buf + have, data + fed, n);
        have += n;
        fed += n;
        size_t pos = 0, used;
        struct frame f;
        enum parse_status st;
        while ((st = frame_parse(buf + pos, have - pos, &f, &used)) != PARSE_NEED_MORE) {
            if (used == 0) abort(); /* the parser must always make progress */
            if (st == PARSE_FRAME) decode(&f);
            pos += used;
        }
        memmove(buf, buf + pos, have - pos);
        have -= pos;
    }
    free(buf);
}

static void parse_text(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct boot_params bp;
    bootparams_parse(text, &bp);
    char clean[TAR_MAX_PATH];
    const char *why;
    (void)tar_clean_path(text, clean, sizeof clean, &why);
    struct entrypoint ep;
    char err[128];
    (void)entrypoint_parse(text, &ep, err, sizeof err);
    for (size_t i = 0; i < ep.argc; i++) free(ep.argv[i]);
    for (size_t i = 0; i < ep.envc; i++) free(ep.env[i]);
    free(ep.argv);
    free(ep.env);
    free(ep.cwd);
    free(ep.user);
    struct tar_entry *e = calloc(1, sizeof *e);
    unsigned set = 0;
    (void)tar_pax_apply(text, size, e, &set, &why);
    if (size >= TAR_BLOCK) (void)tar_header_parse(data, e, &why);
    free(e);
    free(text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    log_set_level(LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parse_stream(data, size);
    parse_text(data, size);
    return 0;
}
