/* The transfer workers, run in-process on real files and pipes. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "harness.h"
#include "message.h"
#include "proto.h"

static int pipe_with(const char *content) {
    int p[2];
    if (pipe(p) != 0) return -1;
    ssize_t w = write(p[1], content, strlen(content));
    close(p[1]);
    return w == (ssize_t)strlen(content) ? p[0] : -1;
}

TEST(putFileWritesContentModeAndMillisecondTime) {
    char path[512], text[64];
    snprintf(path, sizeof path, "%s/put.txt", harness_temp_dir());
    struct open_req req = {.kind = KIND_PUT_FILE,
                           .path = path,
                           .has_mode = true,
                           .mode = 0604,
                           .has_mtime = true,
                           .mtime_ms = 1700000000123};
    int in = pipe_with("uploaded\n");
    struct op_error err = {0};
    CHECK(files_run_worker(&req, in, -1, &err) == 0);
    close(in);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK((st.st_mode & 07777) == 0604);
    CHECK(st.st_mtim.tv_sec == 1700000000 && st.st_mtim.tv_nsec == 123000000);
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, text, sizeof text);
    close(fd);
    CHECK(n == 9 && memcmp(text, "uploaded\n", 9) == 0);
}

TEST(putFileRefusesToReplaceADirectory) {
    struct open_req req = {.kind = KIND_PUT_FILE, .path = (char *)harness_temp_dir()};
    int in = pipe_with("x");
    struct op_error err = {0};
    CHECK(files_run_worker(&req, in, -1, &err) == CLOSE_INVALID);
    close(in);
    CHECK(strstr(err.message, "is a directory") != NULL);
}

TEST(putFileIntoAMissingDirectoryNamesTheDirectory) {
    char path[512];
    snprintf(path, sizeof path, "%s/missing/file", harness_temp_dir());
    struct open_req req = {.kind = KIND_PUT_FILE, .path = path};
    int in = pipe_with("x");
    struct op_error err = {0};
    CHECK(files_run_worker(&req, in, -1, &err) == CLOSE_NOT_FOUND);
    close(in);
    CHECK(strstr(err.message, "/missing") != NULL);
}

TEST(getOfAMissingPathSaysWhatWasTriedOnWhat) {
    char path[512];
    snprintf(path, sizeof path, "%s/nope", harness_temp_dir());
    struct open_req req = {.kind = KIND_GET, .path = path};
    struct op_error err = {0};
    CHECK(files_run_worker(&req, -1, 1, &err) == CLOSE_NOT_FOUND);
    CHECK(strstr(err.message, "inspecting") != NULL && strstr(err.message, path) != NULL);
}

TEST(getOfAFileStreamsItsBytes) {
    char path[512], text[64];
    snprintf(path, sizeof path, "%s/src", harness_temp_dir());
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    CHECK(write(fd, "abc", 3) == 3);
    close(fd);
    int p[2];
    CHECK(pipe(p) == 0);
    struct open_req req = {.kind = KIND_GET, .path = path};
    struct op_error err = {0};
    CHECK(files_run_worker(&req, -1, p[1], &err) == 0);
    close(p[1]);
    ssize_t n = read(p[0], text, sizeof text);
    close(p[0]);
    CHECK(n == 3 && memcmp(text, "abc", 3) == 0);
}
