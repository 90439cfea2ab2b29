#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "proto.h"
#include "tar.h"

/* The temporary file of an unfinished PUT_FILE, removed if the host aborts the transfer. */
static char pending_temp[4096];

__attribute__((format(printf, 3, 4))) static int fail(struct op_error *err, int code,
                                                      const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

static int errno_code(int e) {
    switch (e) {
    case ENOENT:
    case ENOTDIR: return CLOSE_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EROFS: return CLOSE_PERMISSION;
    default: return CLOSE_IO;
    }
}

static int sys_fail(struct op_error *err, const char *what, const char *path) {
    int e = errno;
    return fail(err, errno_code(e), "%s \"%s\": %s", what, path, strerror(e));
}

static int copy_stream(int from, int to, const char *from_name, const char *to_name,
                       struct op_error *err) {
    static char buf[65536];
    for (;;) {
        ssize_t r = read(from, buf, sizeof buf);
        if (r == 0) return 0;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return sys_fail(err, "reading", from_name);
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(to, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return sys_fail(err, "writing", to_name);
            off += w;
        }
    }
}

static void remove_pending_temp(int sig) {
    (void)sig;
    if (pending_temp[0] != '\0') unlink(pending_temp);
    _exit(CLOSE_ABORTED);
}

static int make_temp(const char *path, char *temp, size_t cap, struct op_error *err) {
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(temp, cap, "%s/.banger-put-%d-%ld-%d", dir, (int)getpid(), (long)now.tv_nsec,
                 attempt);
        int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST) {
            if (fd < 0) sys_fail(err, "creating a file in", dir);
            return fd;
        }
    }
    fail(err, CLOSE_IO, "no free temporary name in \"%s\"", dir);
    return -1;
}

/* Written beside the target and renamed over it, so a reader never sees half a file. */
static int put_file(const struct open_req *req, int in_fd, struct op_error *err) {
    struct stat st;
    if (stat(req->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        return fail(err, CLOSE_INVALID, "\"%s\" is a directory", req->path);
    }
    signal(SIGTERM, remove_pending_temp);
    char temp[4096];
    int fd = make_temp(req->path, temp, sizeof temp, err);
    if (fd < 0) return err->code;
    snprintf(pending_temp, sizeof pending_temp, "%s", temp);
    int rc = copy_stream(in_fd, fd, "transfer stream", req->path, err);
    uint32_t mode = req->has_mode ? req->mode : 0644;
    if (rc == 0 && fchmod(fd, mode) != 0) rc = sys_fail(err, "setting mode of", req->path);
    if (rc == 0 && req->has_mtime) {
        struct timespec ts[2] = {{.tv_sec = 0, .tv_nsec = UTIME_OMIT},
                                 {.tv_sec = req->mtime_ms / 1000,
                                  .tv_nsec = (long)(req->mtime_ms % 1000) * 1000000L}};
        if (ts[1].tv_nsec < 0) {
            ts[1].tv_sec -= 1;
            ts[1].tv_nsec += 1000000000L;
        }
        if (futimens(fd, ts) != 0) rc = sys_fail(err, "setting the time of", req->path);
    }
    if (rc == 0 && fsync(fd) != 0) rc = sys_fail(err, "flushing", req->path);
    if (close(fd) != 0 && rc == 0) rc = sys_fail(err, "writing", req->path);
    if (rc == 0 && rename(temp, req->path) != 0) rc = sys_fail(err, "renaming into", req->path);
    if (rc != 0) unlink(temp);
    pending_temp[0] = '\0';
    return rc;
}

static int get_path(const struct open_req *req, int out_fd, struct op_error *err) {
    struct stat st;
    if (stat(req->path, &st) != 0) return sys_fail(err, "inspecting", req->path);
    if (S_ISDIR(st.st_mode)) return tar_write_tree(out_fd, req->path, err);
    int fd = open(req->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return sys_fail(err, "opening", req->path);
    int rc = copy_stream(fd, out_fd, req->path, "transfer stream", err);
    close(fd);
    return rc;
}

int files_run_worker(const struct open_req *req, int in_fd, int out_fd, struct op_error *err) {
    switch (req->kind) {
    case KIND_PUT_FILE: return put_file(req, in_fd, err);
    case KIND_GET: return get_path(req, out_fd, err);
    case KIND_PUT_TAR: return tar_extract(in_fd, req->path, err);
    default: return fail(err, CLOSE_UNSUPPORTED, "no worker for kind %u", req->kind);
    }
}
