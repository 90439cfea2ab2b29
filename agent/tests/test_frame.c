/* The frame layer: checksum, header layout, and the parser's resynchronisation. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proto.h"
#include "tlv.h"

TEST(crcMatchesTheStandardCheckValue) {
    CHECK(crc32_ieee((const uint8_t *)"123456789", 9) == 0xCBF43926u);
    CHECK(crc32_ieee(NULL, 0) == 0);
}

TEST(headerRoundTripsThroughTheParser) {
    uint8_t buf[FRAME_HEADER_SIZE + 3];
    frame_header_encode(buf, T_DATA, 0xA1B2C3D4u, 3);
    memcpy(buf + FRAME_HEADER_SIZE, "\x01hi", 3);
    struct frame f;
    size_t used;
    CHECK(frame_parse(buf, sizeof buf, &f, &used) == PARSE_FRAME);
    CHECK(used == sizeof buf);
    CHECK(f.type == T_DATA && f.channel == 0xA1B2C3D4u && f.length == 3);
    CHECK(memcmp(f.payload, "\x01hi", 3) == 0);
}

TEST(parserWaitsForTheWholeFrameWhateverTheSplit) {
    uint8_t buf[FRAME_HEADER_SIZE + 100];
    frame_header_encode(buf, T_PING, 0, 100);
    memset(buf + FRAME_HEADER_SIZE, 'x', 100);
    for (size_t cut = 0; cut < sizeof buf; cut++) {
        struct frame f;
        size_t used;
        CHECK(frame_parse(buf, cut, &f, &used) == PARSE_NEED_MORE);
        CHECK(used == 0);
    }
}

TEST(parserSkipsGarbageInOneStepUpToTheNextMagicByte) {
    uint8_t buf[64] = "garbage without the magic";
    struct frame f;
    size_t used;
    CHECK(frame_parse(buf, 25, &f, &used) == PARSE_SKIP);
    CHECK(used == 25);
    buf[10] = PROTO_MAGIC0;
    CHECK(frame_parse(buf, 25, &f, &used) == PARSE_SKIP);
    CHECK(used == 10);
}

TEST(parserRefusesOversizeHeadersWithoutWaitingForThePayload) {
    uint8_t buf[FRAME_HEADER_SIZE];
    frame_header_encode(buf, T_DATA, 5, PROTO_MAX_PAYLOAD + 1);
    struct frame f;
    size_t used;
    CHECK(frame_parse(buf, sizeof buf, &f, &used) == PARSE_OVERSIZE);
    CHECK(used == FRAME_HEADER_SIZE && f.channel == 5);
    frame_header_encode(buf, T_DATA, 5, PROTO_MAX_PAYLOAD);
    CHECK(frame_parse(buf, sizeof buf, &f, &used) == PARSE_NEED_MORE);
}

TEST(parserFindsEveryFrameInARandomStreamOfFramesAndNoise) {
    /* Frames separated by noise that never contains the magic byte: all must come out. */
    enum { FRAMES = 200 };
    uint8_t *stream = malloc(FRAMES * (FRAME_HEADER_SIZE + 64 + 16));
    size_t len = 0;
    srand(42);
    for (int i = 0; i < FRAMES; i++) {
        size_t noise = (size_t)(rand() % 16);
        for (size_t k = 0; k < noise; k++) stream[len++] = (uint8_t)(rand() % 0x40);
        size_t plen = (size_t)(rand() % 64);
        frame_header_encode(stream + len, T_PING, (uint32_t)i, (uint32_t)plen);
        len += FRAME_HEADER_SIZE;
        memset(stream + len, 0x47, plen);
        len += plen;
    }
    size_t pos = 0, found = 0;
    struct frame f;
    size_t used;
    enum parse_status st;
    while (pos < len && (st = frame_parse(stream + pos, len - pos, &f, &used)) != PARSE_NEED_MORE) {
        if (st == PARSE_FRAME && f.channel == found) found++;
        pos += used;
    }
    free(stream);
    CHECK(found == FRAMES);
}

TEST(tlvReaderRefusesAFieldLongerThanThePayload) {
    const uint8_t payload[] = {0x16, 0x00, 0x05, '/', 't'};
    struct tlv_reader r;
    struct tlv_field f;
    tlv_reader_init(&r, payload, sizeof payload);
    CHECK(tlv_next(&r, &f) == TLV_TRUNCATED);
    tlv_reader_init(&r, payload, 2);
    CHECK(tlv_next(&r, &f) == TLV_TRUNCATED);
    tlv_reader_init(&r, payload, 0);
    CHECK(tlv_next(&r, &f) == TLV_END);
}

TEST(tlvWriterStopsAtCapacityAndSaysSo) {
    uint8_t buf[8];
    struct tlv_writer w;
    tlv_writer_init(&w, buf, sizeof buf);
    tlv_put_u32(&w, F_MODE, 0644);
    CHECK(!w.overflow && w.len == 7);
    tlv_put_u8(&w, F_KIND, 1);
    CHECK(w.overflow && w.len == 7);
}
