/* Tar archives of directory trees. The writer emits ustar headers, with a PAX extended header
 * when a name, link, size or time does not fit. The reader accepts ustar, PAX and GNU long
 * names, and refuses any entry that would land outside the destination directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"
#include "tar.h"

#define MAX_DEPTH 128
#define MAX_PAX 65536u

struct tar_out {
    int fd;
    size_t len;
    struct op_error *err;
    uint8_t buf[65536];
};

struct dir_fixup {
    char *path;
    uint32_t mode;
    int64_t mtime;
};

struct fixups {
    struct dir_fixup *items;
    size_t len;
    size_t cap;
};

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

__attribute__((format(printf, 3, 4))) static int set_error(struct op_error *err, int code,
                                                           const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

static int sys_error(struct op_error *err, const char *what, const char *path) {
    int e = errno;
    return set_error(err, errno_code(e), "%s \"%s\": %s", what, path, strerror(e));
}

/* ---- writing ---- */

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int out_flush(struct tar_out *o) {
    if (o->len > 0 && write_all(o->fd, o->buf, o->len) != 0) {
        return set_error(o->err, CLOSE_IO, "writing archive: %s", strerror(errno));
    }
    o->len = 0;
    return 0;
}

static int out_write(struct tar_out *o, const void *p, size_t n) {
    const uint8_t *src = p;
    while (n > 0) {
        if (o->len == sizeof o->buf && out_flush(o) != 0) {
            return -1;
        }
        size_t chunk = sizeof o->buf - o->len;
        if (chunk > n) chunk = n;
        memcpy(o->buf + o->len, src, chunk);
        o->len += chunk;
        src += chunk;
        n -= chunk;
    }
    return 0;
}

static int out_pad(struct tar_out *o, uint64_t size) {
    static const uint8_t zeros[TAR_BLOCK];
    size_t rem = (size_t)(size % TAR_BLOCK);
    return rem == 0 ? 0 : out_write(o, zeros, TAR_BLOCK - rem);
}

static int fits_octal(uint64_t v, size_t width) {
    return (width - 1) * 3 >= 64 || v < (1ull << ((width - 1) * 3));
}

static void put_octal(char *field, size_t width, uint64_t v) {
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%0*" PRIo64, (int)(width - 1), v);
    memcpy(field, tmp, width - 1);
    field[width - 1] = '\0';
}

static size_t pax_record(char *out, size_t cap, const char *key, const char *value) {
    size_t body = strlen(key) + strlen(value) + 3; /* space, '=', newline */
    size_t total = body + 1;
    for (;;) {
        int digits = snprintf(NULL, 0, "%zu", total);
        if (body + (size_t)digits == total) break;
        total = body + (size_t)digits;
    }
    if (total > cap) return 0;
    snprintf(out, cap, "%zu %s=%s\n", total, key, value);
    return total;
}

/* Splits a long name into ustar prefix and name at a slash; returns 0 when it fits. */
static int split_name(const char *path, char prefix[156], char name[101]) {
    size_t len = strlen(path);
    prefix[0] = '\0';
    if (len <= 100) {
        memcpy(name, path, len + 1);
        return 0;
    }
    for (size_t i = len - 1; i > 0; i--) {
        if (path[i] == '/' && i <= 155 && len - i - 1 <= 100 && len - i - 1 > 0) {
            memcpy(prefix, path, i);
            prefix[i] = '\0';
            memcpy(name, path + i + 1, len - i);
            return 0;
        }
    }
    return -1;
}

static void checksum(uint8_t *h) {
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (size_t i = 0; i < TAR_BLOCK; i++) sum += h[i];
    char tmp[8];
    snprintf(tmp, sizeof tmp, "%06o", sum & 0777777u);
    memcpy(h + 148, tmp, 6);
    h[154] = '\0';
    h[155] = ' ';
}

static void fill_ustar(uint8_t *h, const char *name, const char *prefix, char type,
                       const struct stat *st, uint64_t size, const char *link) {
    memset(h, 0, TAR_BLOCK);
    memcpy(h, name, strnlen(name, 100));
    put_octal((char *)h + 100, 8, st->st_mode & 07777u);
    put_octal((char *)h + 108, 8, fits_octal(st->st_uid, 8) ? st->st_uid : 0);
    put_octal((char *)h + 116, 8, fits_octal(st->st_gid, 8) ? st->st_gid : 0);
    put_octal((char *)h + 124, 12, fits_octal(size, 12) ? size : 0);
    uint64_t mtime = st->st_mtime < 0 ? 0 : (uint64_t)st->st_mtime;
    put_octal((char *)h + 136, 12, fits_octal(mtime, 12) ? mtime : 0);
    h[156] = (uint8_t)type;
    memcpy(h + 157, link, strnlen(link, 100));
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    put_octal((char *)h + 329, 8, 0);
    put_octal((char *)h + 337, 8, 0);
    memcpy(h + 345, prefix, strnlen(prefix, 155));
    checksum(h);
}

static int write_pax(struct tar_out *o, const char *path, const char *link, uint64_t size,
                     const struct stat *st, int need_path, int need_link, int need_size,
                     int need_mtime) {
    char records[2 * TAR_MAX_PATH + 256];
    size_t len = 0;
    char num[32];
    if (need_path) len += pax_record(records + len, sizeof records - len, "path", path);
    if (need_link) len += pax_record(records + len, sizeof records - len, "linkpath", link);
    if (need_size) {
        snprintf(num, sizeof num, "%" PRIu64, size);
        len += pax_record(records + len, sizeof records - len, "size", num);
    }
    if (need_mtime) {
        snprintf(num, sizeof num, "%lld", (long long)st->st_mtime);
        len += pax_record(records + len, sizeof records - len, "mtime", num);
    }
    struct stat pst = *st;
    pst.st_mode = 0644;
    uint8_t h[TAR_BLOCK];
    fill_ustar(h, "././@PaxHeader", "", 'x', &pst, len, "");
    if (out_write(o, h, TAR_BLOCK) || out_write(o, records, len) || out_pad(o, len)) {
        return -1;
    }
    return 0;
}

static int write_header(struct tar_out *o, const char *path, char type, const struct stat *st,
                        uint64_t size, const char *link) {
    char prefix[156], name[101];
    int need_path = strlen(path) >= TAR_MAX_PATH ? -1 : split_name(path, prefix, name) != 0;
    if (need_path < 0) {
        return set_error(o->err, CLOSE_INVALID, "path too long for the archive: \"%s\"", path);
    }
    if (need_path) {
        prefix[0] = '\0';
        snprintf(name, sizeof name, "%.99s", path);
    }
    int need_link = strlen(link) > 100;
    int need_size = !fits_octal(size, 12);
    int need_mtime = st->st_mtime < 0 || !fits_octal((uint64_t)st->st_mtime, 12);
    if ((need_path || need_link || need_size || need_mtime) &&
        write_pax(o, path, link, size, st, need_path, need_link, need_size, need_mtime) != 0) {
        return -1;
    }
    uint8_t h[TAR_BLOCK];
    fill_ustar(h, name, prefix, type, st, size, need_link ? "" : link);
    return out_write(o, h, TAR_BLOCK);
}

static int write_file_data(struct tar_out *o, int fd, const char *path, uint64_t size) {
    uint64_t left = size;
    while (left > 0) {
        if (o->len == sizeof o->buf && out_flush(o) != 0) return -1;
        size_t room = sizeof o->buf - o->len;
        size_t want = left < room ? (size_t)left : room;
        ssize_t r = read(fd, o->buf + o->len, want);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return sys_error(o->err, "reading", path);
        if (r == 0) {
            /* The file shrank while being archived: keep the archive well-formed. */
            memset(o->buf + o->len, 0, want);
            r = (ssize_t)want;
        }
        o->len += (size_t)r;
        left -= (uint64_t)r;
    }
    return out_pad(o, size);
}

static int write_dir(struct tar_out *o, int dirfd, char *path, size_t plen, int depth);

static int write_entry(struct tar_out *o, int dirfd, const char *leaf, char *path, size_t plen,
                       int depth) {
    struct stat st;
    if (fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return sys_error(o->err, "inspecting", path);
    }
    if (S_ISDIR(st.st_mode)) {
        if (plen + 2 >= TAR_MAX_PATH) {
            return set_error(o->err, CLOSE_INVALID, "path too long: \"%s\"", path);
        }
        path[plen] = '/';
        path[plen + 1] = '\0';
        if (write_header(o, path, '5', &st, 0, "") != 0) return -1;
        int fd = openat(dirfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return sys_error(o->err, "opening directory", path);
        int rc = write_dir(o, fd, path, plen + 1, depth + 1);
        close(fd);
        return rc;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[TAR_MAX_PATH];
        ssize_t n = readlinkat(dirfd, leaf, target, sizeof target - 1);
        if (n < 0) return sys_error(o->err, "reading link", path);
        target[n] = '\0';
        return write_header(o, path, '2', &st, 0, target);
    }
    if (!S_ISREG(st.st_mode)) {
        return 0; /* sockets, fifos and devices have no content to copy */
    }
    int fd = openat(dirfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return sys_error(o->err, "opening", path);
    int rc = write_header(o, path, '0', &st, (uint64_t)st.st_size, "");
    if (rc == 0) rc = write_file_data(o, fd, path, (uint64_t)st.st_size);
    close(fd);
    return rc;
}

static int write_dir(struct tar_out *o, int dirfd, char *path, size_t plen, int depth) {
    if (depth > MAX_DEPTH) {
        return set_error(o->err, CLOSE_LIMIT, "directory tree deeper than %d at \"%s\"",
                         MAX_DEPTH, path);
    }
    int fd = dup(dirfd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (d == NULL) {
        if (fd >= 0) close(fd);
        return sys_error(o->err, "listing", path);
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        size_t nlen = strlen(de->d_name);
        if (plen + nlen + 2 >= TAR_MAX_PATH) {
            rc = set_error(o->err, CLOSE_INVALID, "path too long under \"%s\"", path);
            break;
        }
        memcpy(path + plen, de->d_name, nlen + 1);
        rc = write_entry(o, dirfd, de->d_name, path, plen + nlen, depth);
        path[plen] = '\0';
    }
    if (rc == 0 && de == NULL && errno != 0) rc = sys_error(o->err, "listing", path);
    closedir(d);
    return rc;
}

int tar_write_tree(int out_fd, const char *dir, struct op_error *err) {
    struct tar_out *o = malloc(sizeof *o);
    char *path = malloc(TAR_MAX_PATH);
    int rc = 0;
    if (o == NULL || path == NULL) {
        rc = set_error(err, CLOSE_IO, "out of memory archiving \"%s\"", dir);
        goto out;
    }
    o->fd = out_fd;
    o->len = 0;
    o->err = err;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = sys_error(err, "opening directory", dir);
        if (fd >= 0) close(fd);
        goto out;
    }
    strcpy(path, "./");
    rc = write_header(o, path, '5', &st, 0, "");
    path[0] = '\0';
    if (rc == 0) rc = write_dir(o, fd, path, 0, 0);
    close(fd);
    static const uint8_t end[2 * TAR_BLOCK];
    if (rc == 0) rc = out_write(o, end, sizeof end);
    if (rc == 0) rc = out_flush(o);
out:
    free(path);
    free(o);
    return rc == 0 ? 0 : err->code;
}

/* ---- reading ---- */

static int parse_octal(const uint8_t *field, size_t width, uint64_t *out) {
    if (field[0] & 0x80) {
        /* GNU base-256 for values that do not fit in octal; negative values are refused. */
        if (field[0] & 0x40) return -1;
        uint64_t v = field[0] & 0x3f;
        for (size_t i = 1; i < width; i++) {
            if (v >> 56) return -1;
            v = (v << 8) | field[i];
        }
        *out = v;
        return 0;
    }
    size_t i = 0;
    uint64_t v = 0;
    while (i < width && field[i] == ' ') i++;
    int digits = 0;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; i++, digits++) {
        if (v >> 61) return -1;
        v = (v << 3) | (uint64_t)(field[i] - '0');
    }
    for (; i < width; i++) {
        if (field[i] != ' ' && field[i] != '\0') return -1;
    }
    *out = v;
    return 0;
}

static void copy_field(char *dst, const uint8_t *src, size_t width) {
    size_t n = strnlen((const char *)src, width);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int tar_header_parse(const uint8_t block[TAR_BLOCK], struct tar_entry *e, const char **why) {
    int zero = 1;
    for (size_t i = 0; i < TAR_BLOCK && zero; i++) zero = block[i] == 0;
    if (zero) return 0;
    uint64_t stored, mode, size, mtime;
    unsigned sum = 0;
    for (size_t i = 0; i < TAR_BLOCK; i++) sum += (i >= 148 && i < 156) ? ' ' : block[i];
    if (parse_octal(block + 148, 8, &stored) != 0 || stored != sum) {
        *why = "header checksum mismatch";
        return -1;
    }
    if (parse_octal(block + 100, 8, &mode) || parse_octal(block + 124, 12, &size) ||
        parse_octal(block + 136, 12, &mtime)) {
        *why = "malformed numeric field";
        return -1;
    }
    char prefix[156], name[101];
    copy_field(name, block, 100);
    prefix[0] = '\0';
    if (memcmp(block + 257, "ustar", 5) == 0 && block[262] == '\0') {
        copy_field(prefix, block + 345, 155);
    }
    if (prefix[0] != '\0') {
        snprintf(e->path, sizeof e->path, "%s/%s", prefix, name);
    } else {
        memcpy(e->path, name, strlen(name) + 1);
    }
    copy_field(e->link, block + 157, 100);
    e->type = block[156] == '\0' ? '0' : (char)block[156];
    e->mode = (uint32_t)(mode & 07777u);
    e->size = size;
    e->mtime = (int64_t)(mtime > INT64_MAX ? INT64_MAX : mtime);
    return 1;
}

static int parse_decimal(const char *s, size_t len, int64_t *out) {
    int64_t v = 0;
    size_t i = 0;
    int neg = len > 0 && s[0] == '-';
    if (neg) i++;
    if (i == len) return -1;
    for (; i < len && s[i] != '.'; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (INT64_MAX - 9) / 10) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

int tar_pax_apply(const char *data, size_t len, struct tar_entry *e, unsigned *set,
                  const char **why) {
    size_t pos = 0;
    while (pos < len) {
        size_t rec = 0, i = pos;
        while (i < len && data[i] >= '0' && data[i] <= '9' && rec < 1000000) {
            rec = rec * 10 + (size_t)(data[i] - '0');
            i++;
        }
        if (i == pos || i >= len || data[i] != ' ' || rec > len - pos || rec < i - pos + 3 ||
            data[pos + rec - 1] != '\n') {
            *why = "malformed PAX record";
            return -1;
        }
        const char *key = data + i + 1;
        const char *end = data + pos + rec - 1;
        const char *eq = memchr(key, '=', (size_t)(end - key));
        if (eq == NULL) {
            *why = "PAX record without '='";
            return -1;
        }
        size_t klen = (size_t)(eq - key), vlen = (size_t)(end - eq - 1);
        const char *val = eq + 1;
        int64_t num;
        if (klen == 4 && memcmp(key, "path", 4) == 0) {
            if (vlen >= sizeof e->path || memchr(val, 0, vlen)) goto bad_value;
            memcpy(e->path, val, vlen);
            e->path[vlen] = '\0';
            *set |= TAR_SET_PATH;
        } else if (klen == 8 && memcmp(key, "linkpath", 8) == 0) {
            if (vlen >= sizeof e->link || memchr(val, 0, vlen)) goto bad_value;
            memcpy(e->link, val, vlen);
            e->link[vlen] = '\0';
            *set |= TAR_SET_LINK;
        } else if (klen == 4 && memcmp(key, "size", 4) == 0) {
            if (parse_decimal(val, vlen, &num) != 0 || num < 0) goto bad_value;
            e->size = (uint64_t)num;
            *set |= TAR_SET_SIZE;
        } else if (klen == 5 && memcmp(key, "mtime", 5) == 0) {
            if (parse_decimal(val, vlen, &num) != 0) goto bad_value;
            e->mtime = num;
            *set |= TAR_SET_MTIME;
        }
        pos += rec;
    }
    return 0;
bad_value:
    *why = "invalid PAX value";
    return -1;
}

int tar_clean_path(const char *path, char *out, size_t cap, const char **why) {
    size_t olen = 0;
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/') p++;
        const char *start = p;
        while (*p != '\0' && *p != '/') p++;
        size_t n = (size_t)(p - start);
        if (n == 0 || (n == 1 && start[0] == '.')) continue;
        if (n == 2 && start[0] == '.' && start[1] == '.') {
            *why = "path contains \"..\"";
            return -1;
        }
        if (olen + n + 2 > cap) {
            *why = "path too long";
            return -1;
        }
        if (olen > 0) out[olen++] = '/';
        memcpy(out + olen, start, n);
        olen += n;
    }
    out[olen] = '\0';
    return 0;
}

static ssize_t read_full(int fd, uint8_t *p, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static uint64_t padding(uint64_t size) { return (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK; }

static int skip_bytes(int fd, uint64_t left, struct op_error *err) {
    uint8_t buf[8192];
    while (left > 0) {
        size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
        ssize_t r = read_full(fd, buf, want);
        if (r < 0) return set_error(err, CLOSE_IO, "reading archive: %s", strerror(errno));
        if ((size_t)r < want) return set_error(err, CLOSE_INVALID, "archive is truncated");
        left -= want;
    }
    return 0;
}

/* Skips size bytes of entry data plus the padding to the next block. */
static int skip_data(int fd, uint64_t size, struct op_error *err) {
    return skip_bytes(fd, size + padding(size), err);
}

/* Opens the directory that holds clean path rel, creating missing parents; never follows a
 * symbolic link, so an entry cannot be written through a link planted by an earlier one. */
static int open_parent(int rootfd, const char *rel, const char **leaf, struct op_error *err) {
    char part[TAR_MAX_PATH];
    int fd = dup(rootfd);
    const char *p = rel;
    if (fd < 0) return -1;
    for (;;) {
        const char *slash = strchr(p, '/');
        if (slash == NULL) {
            *leaf = p;
            return fd;
        }
        size_t n = (size_t)(slash - p);
        memcpy(part, p, n);
        part[n] = '\0';
        int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT) {
            if (mkdirat(fd, part, 0755) != 0 && errno != EEXIST) {
                sys_error(err, "creating directory", rel);
                close(fd);
                return -1;
            }
            next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        close(fd);
        if (next < 0) {
            sys_error(err, "opening parent directory of", rel);
            return -1;
        }
        fd = next;
        p = slash + 1;
    }
}

static void set_times(int dirfd, const char *leaf, int64_t mtime, int flags) {
    struct timespec ts[2] = {{.tv_sec = 0, .tv_nsec = UTIME_OMIT}, {.tv_sec = mtime}};
    /* Times are best effort: a failure here does not make the content wrong. */
    (void)utimensat(dirfd, leaf, ts, flags);
}

static int extract_file(int in_fd, int dirfd, const char *leaf, const struct tar_entry *e,
                        struct op_error *err) {
    if (unlinkat(dirfd, leaf, 0) != 0 && errno != ENOENT) {
        return sys_error(err, "replacing", e->path);
    }
    int fd = openat(dirfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return sys_error(err, "creating", e->path);
    uint8_t buf[65536];
    uint64_t left = e->size;
    int rc = 0;
    while (left > 0 && rc == 0) {
        size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
        ssize_t r = read_full(in_fd, buf, want);
        if (r < 0) rc = set_error(err, CLOSE_IO, "reading archive: %s", strerror(errno));
        else if ((size_t)r < want) rc = set_error(err, CLOSE_INVALID, "archive is truncated");
        else if (write_all(fd, buf, want) != 0) rc = sys_error(err, "writing", e->path);
        left -= want;
    }
    if (rc == 0 && fchmod(fd, e->mode) != 0) rc = sys_error(err, "setting mode of", e->path);
    if (rc == 0) {
        struct timespec ts[2] = {{.tv_sec = 0, .tv_nsec = UTIME_OMIT}, {.tv_sec = e->mtime}};
        (void)futimens(fd, ts);
    }
    if (close(fd) != 0 && rc == 0) rc = sys_error(err, "writing", e->path);
    return rc;
}

static int extract_symlink(int dirfd, const char *leaf, const struct tar_entry *e,
                           struct op_error *err) {
    if (unlinkat(dirfd, leaf, 0) != 0 && errno != ENOENT) {
        return sys_error(err, "replacing", e->path);
    }
    if (symlinkat(e->link, dirfd, leaf) != 0) return sys_error(err, "creating link", e->path);
    set_times(dirfd, leaf, e->mtime, AT_SYMLINK_NOFOLLOW);
    return 0;
}

static int extract_hardlink(int rootfd, int dirfd, const char *leaf, const struct tar_entry *e,
                            struct op_error *err) {
    char target[TAR_MAX_PATH];
    const char *why, *tleaf;
    if (tar_clean_path(e->link, target, sizeof target, &why) != 0 || target[0] == '\0') {
        return set_error(err, CLOSE_INVALID, "hard link \"%s\" has an unsafe target", e->path);
    }
    int tdir = open_parent(rootfd, target, &tleaf, err);
    if (tdir < 0) return err->code;
    int rc = 0;
    if (unlinkat(dirfd, leaf, 0) != 0 && errno != ENOENT) {
        rc = sys_error(err, "replacing", e->path);
    } else if (linkat(tdir, tleaf, dirfd, leaf, 0) != 0) {
        rc = sys_error(err, "creating hard link", e->path);
    }
    close(tdir);
    return rc;
}

static int remember_dir(struct fixups *f, const char *rel, const struct tar_entry *e) {
    if (f->len == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        struct dir_fixup *items = realloc(f->items, cap * sizeof *items);
        if (items == NULL) return -1;
        f->items = items;
        f->cap = cap;
    }
    char *copy = strdup(rel);
    if (copy == NULL) return -1;
    f->items[f->len++] = (struct dir_fixup){.path = copy, .mode = e->mode, .mtime = e->mtime};
    return 0;
}

static int extract_dir(int dirfd, const char *leaf, const char *rel, const struct tar_entry *e,
                       struct fixups *f, struct op_error *err) {
    if (mkdirat(dirfd, leaf, 0700) != 0) {
        struct stat st;
        if (errno != EEXIST || fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISDIR(st.st_mode)) {
            return sys_error(err, "creating directory", e->path);
        }
    }
    if (remember_dir(f, rel, e) != 0) {
        return set_error(err, CLOSE_IO, "out of memory extracting \"%s\"", e->path);
    }
    return 0;
}

/* Directory modes and times are applied last and deepest first: writing the children would
 * otherwise change the times, and a read-only mode could block their creation. */
static void apply_fixups(int rootfd, struct fixups *f) {
    for (size_t i = f->len; i-- > 0;) {
        struct dir_fixup *d = &f->items[i];
        struct op_error ignored;
        if (d->path[0] == '\0') {
            (void)fchmod(rootfd, d->mode);
            struct timespec ts[2] = {{.tv_sec = 0, .tv_nsec = UTIME_OMIT}, {.tv_sec = d->mtime}};
            (void)futimens(rootfd, ts);
        } else {
            const char *leaf;
            int dirfd = open_parent(rootfd, d->path, &leaf, &ignored);
            if (dirfd >= 0) {
                (void)fchmodat(dirfd, leaf, d->mode, 0);
                set_times(dirfd, leaf, d->mtime, AT_SYMLINK_NOFOLLOW);
                close(dirfd);
            }
        }
        free(d->path);
    }
    free(f->items);
}

static int extract_entry(int in_fd, int rootfd, const struct tar_entry *e, struct fixups *f,
                         struct op_error *err) {
    char rel[TAR_MAX_PATH];
    const char *why, *leaf;
    if (tar_clean_path(e->path, rel, sizeof rel, &why) != 0) {
        return set_error(err, CLOSE_INVALID, "refusing archive entry \"%s\": %s", e->path, why);
    }
    if (rel[0] == '\0') {
        /* The root itself: only a directory entry makes sense, to carry its mode and time. */
        if (e->type == '5' && remember_dir(f, "", e) != 0) {
            return set_error(err, CLOSE_IO, "out of memory");
        }
        return skip_data(in_fd, e->type == '5' ? 0 : e->size, err);
    }
    int dirfd = open_parent(rootfd, rel, &leaf, err);
    if (dirfd < 0) return err->code;
    int rc;
    switch (e->type) {
    case '0':
    case '7':
        rc = extract_file(in_fd, dirfd, leaf, e, err);
        if (rc == 0) rc = skip_bytes(in_fd, padding(e->size), err);
        close(dirfd);
        return rc;
    case '1': rc = extract_hardlink(rootfd, dirfd, leaf, e, err); break;
    case '2': rc = extract_symlink(dirfd, leaf, e, err); break;
    case '5': rc = extract_dir(dirfd, leaf, rel, e, f, err); break;
    default: rc = 0; break; /* devices, fifos and unknown types are skipped */
    }
    close(dirfd);
    /* Only regular files carry data, but skip whatever size a header claims for the rest. */
    return rc == 0 ? skip_data(in_fd, e->size, err) : rc;
}

/* Extended headers (PAX 'x', GNU 'L'/'K') describe the entry that follows them. */
struct pending {
    struct tar_entry override;
    unsigned set;
};

static int read_meta(int in_fd, uint64_t size, char *out, struct op_error *err) {
    if (size > MAX_PAX) return set_error(err, CLOSE_LIMIT, "extended header too large");
    ssize_t r = read_full(in_fd, (uint8_t *)out, (size_t)size);
    if (r < 0) return set_error(err, CLOSE_IO, "reading archive: %s", strerror(errno));
    if ((uint64_t)r < size) return set_error(err, CLOSE_INVALID, "archive is truncated");
    out[size] = '\0';
    return skip_bytes(in_fd, padding(size), err);
}

static int take_extended(int in_fd, const struct tar_entry *h, struct pending *p,
                         struct op_error *err) {
    char *data = malloc(MAX_PAX + 1);
    if (data == NULL) return set_error(err, CLOSE_IO, "out of memory");
    int rc = read_meta(in_fd, h->size, data, err);
    const char *why;
    if (rc != 0) {
        free(data);
        return rc;
    }
    if (h->type == 'x') {
        if (tar_pax_apply(data, (size_t)h->size, &p->override, &p->set, &why) != 0) {
            rc = set_error(err, CLOSE_INVALID, "bad extended header: %s", why);
        }
    } else if (h->size >= TAR_MAX_PATH) {
        rc = set_error(err, CLOSE_LIMIT, "GNU long name longer than %u bytes", TAR_MAX_PATH);
    } else if (h->type == 'L') {
        memcpy(p->override.path, data, (size_t)h->size + 1);
        p->set |= TAR_SET_PATH;
    } else {
        memcpy(p->override.link, data, (size_t)h->size + 1);
        p->set |= TAR_SET_LINK;
    }
    free(data);
    return rc;
}

static void apply_pending(struct tar_entry *e, struct pending *p) {
    if (p->set & TAR_SET_PATH) memcpy(e->path, p->override.path, sizeof e->path);
    if (p->set & TAR_SET_LINK) memcpy(e->link, p->override.link, sizeof e->link);
    if (p->set & TAR_SET_SIZE) e->size = p->override.size;
    if (p->set & TAR_SET_MTIME) e->mtime = p->override.mtime;
    p->set = 0;
}

static int extract_stream(int in_fd, int rootfd, struct fixups *f, struct op_error *err) {
    uint8_t block[TAR_BLOCK];
    struct tar_entry *e = malloc(sizeof *e);
    struct pending *p = calloc(1, sizeof *p);
    int rc = (e == NULL || p == NULL) ? set_error(err, CLOSE_IO, "out of memory") : 0;
    while (rc == 0) {
        ssize_t r = read_full(in_fd, block, TAR_BLOCK);
        if (r == 0) break; /* end of input without end-of-archive blocks: accepted */
        if (r < 0) {
            rc = set_error(err, CLOSE_IO, "reading archive: %s", strerror(errno));
            break;
        }
        if (r < (ssize_t)TAR_BLOCK) {
            rc = set_error(err, CLOSE_INVALID, "archive is truncated");
            break;
        }
        const char *why;
        int h = tar_header_parse(block, e, &why);
        if (h == 0) break;
        if (h < 0) {
            rc = set_error(err, CLOSE_INVALID, "bad archive header: %s", why);
        } else if (e->type == 'x' || e->type == 'L' || e->type == 'K') {
            rc = take_extended(in_fd, e, p, err);
        } else if (e->type == 'g') {
            rc = skip_data(in_fd, e->size, err);
        } else {
            apply_pending(e, p);
            rc = extract_entry(in_fd, rootfd, e, f, err);
        }
    }
    free(e);
    free(p);
    return rc;
}

/* mkdir -p: the destination and its missing parents. */
static int make_dirs(const char *path) {
    char buf[TAR_MAX_PATH];
    size_t len = strlen(path);
    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int tar_extract(int in_fd, const char *dest_dir, struct op_error *err) {
    if (make_dirs(dest_dir) != 0) {
        return sys_error(err, "creating directory", dest_dir);
    }
    int rootfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) return sys_error(err, "opening directory", dest_dir);
    struct fixups f = {0};
    int rc = extract_stream(in_fd, rootfd, &f, err);
    apply_fixups(rootfd, &f);
    close(rootfd);
    if (rc == 0) {
        /* Consume what follows the end blocks so the sender never sees a broken pipe. */
        uint8_t sink[4096];
        while (read(in_fd, sink, sizeof sink) > 0) {
        }
    }
    return rc;
}
