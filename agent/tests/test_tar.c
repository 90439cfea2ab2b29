/* Directory archives: a round trip keeps content, modes, times and links; extraction never
 * writes outside its destination. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "proto.h"
#include "tar.h"

static void path_join(char *out, size_t cap, const char *a, const char *b) {
    snprintf(out, cap, "%s/%s", a, b);
}

static int write_text(const char *path, const char *text, mode_t mode, time_t mtime) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    ssize_t w = write(fd, text, strlen(text));
    fchmod(fd, mode);
    struct timespec ts[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
    futimens(fd, ts);
    close(fd);
    return w == (ssize_t)strlen(text) ? 0 : -1;
}

static int read_text(const char *path, char *out, size_t cap) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, out, cap - 1);
    close(fd);
    if (n < 0) return -1;
    out[n] = '\0';
    return 0;
}

static void set_dir_time(const char *path, time_t mtime) {
    struct timespec ts[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
    utimensat(AT_FDCWD, path, ts, 0);
}

/* One ustar header with a valid checksum, for hand-made archives. */
static void ustar(uint8_t *h, const char *name, char type, size_t size, const char *link) {
    memset(h, 0, TAR_BLOCK);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011zo", size);
    snprintf((char *)h + 136, 12, "%011o", 1000000000);
    h[156] = (uint8_t)type;
    if (link) snprintf((char *)h + 157, 100, "%s", link);
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < TAR_BLOCK; i++) sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

static int archive_fd(const uint8_t *blocks, size_t len) {
    char path[512];
    path_join(path, sizeof path, harness_temp_dir(), "archive.tar");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, blocks, len) != (ssize_t)len) return -1;
    lseek(fd, 0, SEEK_SET);
    return fd;
}

TEST(archiveRoundTripKeepsContentModesTimesAndLinks) {
    const char *tmp = harness_temp_dir();
    char src[512], dst[512], p[1024], q[1024], text[256];
    path_join(src, sizeof src, tmp, "src");
    path_join(dst, sizeof dst, tmp, "dst");
    CHECK(mkdir(src, 0755) == 0);
    path_join(p, sizeof p, src, "sub");
    CHECK(mkdir(p, 0750) == 0);
    path_join(p, sizeof p, src, "sub/data.txt");
    CHECK(write_text(p, "payload\n", 0640, 1600000000) == 0);
    path_join(p, sizeof p, src, "run.sh");
    CHECK(write_text(p, "#!/bin/sh\n", 0755, 1500000000) == 0);
    path_join(p, sizeof p, src, "empty");
    CHECK(write_text(p, "", 0600, 1400000000) == 0);
    path_join(p, sizeof p, src, "link");
    CHECK(symlink("sub/data.txt", p) == 0);
    /* A name over 100 bytes needs a PAX header. */
    char longname[200];
    memset(longname, 'n', 150);
    longname[150] = '\0';
    snprintf(q, sizeof q, "sub/%s", longname);
    path_join(p, sizeof p, src, q);
    CHECK(write_text(p, "long\n", 0644, 1300000000) == 0);
    path_join(p, sizeof p, src, "sub");
    set_dir_time(p, 1200000000);

    char archive[512];
    path_join(archive, sizeof archive, tmp, "tree.tar");
    int fd = open(archive, O_RDWR | O_CREAT | O_TRUNC, 0600);
    struct op_error err = {0};
    CHECK(tar_write_tree(fd, src, &err) == 0);
    lseek(fd, 0, SEEK_SET);
    CHECK(tar_extract(fd, dst, &err) == 0);
    close(fd);

    struct stat st;
    path_join(p, sizeof p, dst, "sub/data.txt");
    CHECK(read_text(p, text, sizeof text) == 0 && strcmp(text, "payload\n") == 0);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0640 && st.st_mtime == 1600000000);
    path_join(p, sizeof p, dst, "run.sh");
    CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0755 && st.st_mtime == 1500000000);
    path_join(p, sizeof p, dst, "empty");
    CHECK(stat(p, &st) == 0 && st.st_size == 0 && st.st_mtime == 1400000000);
    path_join(p, sizeof p, dst, "link");
    ssize_t n = readlink(p, text, sizeof text - 1);
    CHECK(n == 12 && memcmp(text, "sub/data.txt", 12) == 0);
    path_join(p, sizeof p, dst, q);
    CHECK(read_text(p, text, sizeof text) == 0 && strcmp(text, "long\n") == 0);
    path_join(p, sizeof p, dst, "sub");
    CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0750 && st.st_mtime == 1200000000);
}

TEST(extractRefusesAnEntryThatClimbsOutOfTheDestination) {
    uint8_t blocks[4 * TAR_BLOCK] = {0};
    ustar(blocks, "../escaped", '0', 3, NULL);
    memcpy(blocks + TAR_BLOCK, "bad", 3);
    int fd = archive_fd(blocks, sizeof blocks);
    CHECK(fd >= 0);
    char dst[512], outside[512];
    path_join(dst, sizeof dst, harness_temp_dir(), "dst");
    path_join(outside, sizeof outside, harness_temp_dir(), "escaped");
    struct op_error err = {0};
    CHECK(tar_extract(fd, dst, &err) == CLOSE_INVALID);
    close(fd);
    CHECK(strstr(err.message, "../escaped") != NULL);
    CHECK(access(outside, F_OK) != 0 && errno == ENOENT);
}

TEST(extractNeverWritesThroughASymlinkFromTheSameArchive) {
    char dst[512], outside[512], target[1024];
    path_join(dst, sizeof dst, harness_temp_dir(), "dst");
    path_join(outside, sizeof outside, harness_temp_dir(), "outside");
    CHECK(mkdir(outside, 0755) == 0);
    uint8_t blocks[5 * TAR_BLOCK] = {0};
    ustar(blocks, "link", '2', 0, outside);
    ustar(blocks + TAR_BLOCK, "link/pwned", '0', 3, NULL);
    memcpy(blocks + 2 * TAR_BLOCK, "bad", 3);
    int fd = archive_fd(blocks, sizeof blocks);
    struct op_error err = {0};
    CHECK(tar_extract(fd, dst, &err) != 0);
    close(fd);
    path_join(target, sizeof target, outside, "pwned");
    CHECK(access(target, F_OK) != 0);
}

TEST(extractAcceptsGnuLongNames) {
    char name[300];
    memset(name, 'g', 250);
    name[250] = '\0';
    uint8_t blocks[7 * TAR_BLOCK] = {0};
    ustar(blocks, "././@LongLink", 'L', 251, NULL);
    memcpy(blocks + TAR_BLOCK, name, 251);
    ustar(blocks + 2 * TAR_BLOCK, "truncated", '0', 2, NULL);
    memcpy(blocks + 3 * TAR_BLOCK, "ok", 2);
    int fd = archive_fd(blocks, sizeof blocks);
    char dst[512], p[1024], text[16];
    path_join(dst, sizeof dst, harness_temp_dir(), "dst");
    struct op_error err = {0};
    CHECK(tar_extract(fd, dst, &err) == 0);
    close(fd);
    path_join(p, sizeof p, dst, name);
    CHECK(read_text(p, text, sizeof text) == 0 && strcmp(text, "ok") == 0);
}

TEST(headerWithABadChecksumIsRefused) {
    uint8_t h[TAR_BLOCK];
    ustar(h, "file", '0', 0, NULL);
    struct tar_entry e;
    const char *why = NULL;
    CHECK(tar_header_parse(h, &e, &why) == 1);
    h[0] = 'F';
    CHECK(tar_header_parse(h, &e, &why) == -1);
    CHECK(why != NULL);
    memset(h, 0, sizeof h);
    CHECK(tar_header_parse(h, &e, &why) == 0);
}

TEST(paxRecordsOverridePathSizeAndTime) {
    const char records[] = "29 path=a/very/long/name.txt\n16 size=1234567\n20 mtime=1700000000\n";
    struct tar_entry e = {0};
    unsigned set = 0;
    const char *why;
    CHECK(tar_pax_apply(records, strlen(records), &e, &set, &why) == 0);
    CHECK_STR(e.path, "a/very/long/name.txt");
    CHECK(e.size == 1234567 && e.mtime == 1700000000);
    CHECK(set == (TAR_SET_PATH | TAR_SET_SIZE | TAR_SET_MTIME));
    CHECK(tar_pax_apply("99 path=x\n", 10, &e, &set, &why) == -1);
    CHECK(tar_pax_apply("9 pathx\n", 8, &e, &set, &why) == -1);
}

TEST(cleanPathDropsDotsAndSlashesAndRefusesParents) {
    char out[64];
    const char *why;
    CHECK(tar_clean_path("./a//b/./c/", out, sizeof out, &why) == 0);
    CHECK_STR(out, "a/b/c");
    CHECK(tar_clean_path("/abs/path", out, sizeof out, &why) == 0);
    CHECK_STR(out, "abs/path");
    CHECK(tar_clean_path("./", out, sizeof out, &why) == 0);
    CHECK_STR(out, "");
    CHECK(tar_clean_path("a/../../b", out, sizeof out, &why) == -1);
    CHECK(tar_clean_path("..", out, sizeof out, &why) == -1);
}

TEST(extractCreatesAMissingDestinationWithItsParents) {
    uint8_t blocks[4 * TAR_BLOCK] = {0};
    ustar(blocks, "f", '0', 2, NULL);
    memcpy(blocks + TAR_BLOCK, "hi", 2);
    int fd = archive_fd(blocks, sizeof blocks);
    char dst[512], p[1024], text[16];
    path_join(dst, sizeof dst, harness_temp_dir(), "a/b/c");
    struct op_error err = {0};
    CHECK(tar_extract(fd, dst, &err) == 0);
    close(fd);
    path_join(p, sizeof p, dst, "f");
    CHECK(read_text(p, text, sizeof text) == 0 && strcmp(text, "hi") == 0);
}
