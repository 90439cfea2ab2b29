#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"
#include "log.h"


static int push(char ***items, size_t *len, char *value) {
    char **grown = realloc(*items, (*len + 2) * sizeof *grown);
    if (grown == NULL) return -1;
    grown[(*len)++] = value;
    grown[*len] = NULL;
    *items = grown;
    return 0;
}

/* Decodes the escapes of one value in place. */
static int unescape(char *s) {
    char *out = s;
    for (char *in = s; *in != '\0'; in++) {
        if (*in != '\\') {
            *out++ = *in;
            continue;
        }
        in++;
        switch (*in) {
        case 'n': *out++ = '\n'; break;
        case 't': *out++ = '\t'; break;
        case '\\': *out++ = '\\'; break;
        default: return -1;
        }
    }
    *out = '\0';
    return 0;
}

static int parse_line(char *line, struct entrypoint *out, char *err, size_t errlen, int lineno) {
    char *space = strchr(line, ' ');
    char *value = space ? space + 1 : line + strlen(line);
    size_t klen = space ? (size_t)(space - line) : strlen(line);
    if (unescape(value) != 0) {
        snprintf(err, errlen, "line %d: invalid escape", lineno);
        return -1;
    }
    char *copy = strdup(value);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = -1;
    if (klen == 3 && strncmp(line, "arg", 3) == 0) {
        rc = push(&out->argv, &out->argc, copy);
    } else if (klen == 3 && strncmp(line, "env", 3) == 0 && strchr(copy, '=') > copy) {
        rc = push(&out->env, &out->envc, copy);
    } else if (klen == 3 && strncmp(line, "cwd", 3) == 0 && copy[0] == '/' && !out->cwd) {
        out->cwd = copy;
        rc = 0;
    } else if (klen == 4 && strncmp(line, "user", 4) == 0 && copy[0] != '\0' && !out->user) {
        out->user = copy;
        rc = 0;
    }
    if (rc != 0) {
        free(copy);
        snprintf(err, errlen, "line %d: expected arg, env NAME=VALUE, cwd /PATH or user SPEC",
                 lineno);
    }
    return rc;
}

int entrypoint_parse(const char *text, struct entrypoint *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    char *copy = strdup(text);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int lineno = 0, rc = 0;
    char *save = NULL;
    for (char *line = copy; rc == 0 && line != NULL; line = save) {
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl) *nl = '\0';
        lineno++;
        if (line[0] == '\0' || line[0] == '#') continue;
        rc = parse_line(line, out, err, errlen, lineno);
    }
    free(copy);
    if (rc == 0 && out->argc == 0) {
        snprintf(err, errlen, "no arg line");
        rc = -1;
    }
    return rc;
}

int entrypoint_load(const char *path, struct entrypoint *out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return 1;
    char *text = malloc(65537);
    ssize_t n = (fd < 0 || text == NULL) ? -1 : read(fd, text, 65536);
    if (fd >= 0) close(fd);
    if (n < 0) {
        log_msg(LOG_ERROR, "reading %s: %s", path, strerror(errno));
        free(text);
        return -1;
    }
    text[n] = '\0';
    char err[256];
    int rc = entrypoint_parse(text, out, err, sizeof err);
    free(text);
    if (rc != 0) log_msg(LOG_ERROR, "%s: %s", path, err);
    return rc;
}

static void mount_one(const char *source, const char *target, const char *type,
                      unsigned long flags, const char *data) {
    mkdir(target, 0755);
    if (mount(source, target, type, flags, data) != 0 && errno != EBUSY) {
        log_msg(LOG_WARN, "mounting %s on %s: %s", type, target, strerror(errno));
    }
}

static int is_mounted(const char *target) {
    struct stat here, parent;
    char up[256];
    snprintf(up, sizeof up, "%s/..", target);
    if (stat(target, &here) != 0 || stat(up, &parent) != 0) return 0;
    return here.st_dev != parent.st_dev;
}

void init_mount_basics(void) {
    static const unsigned long nosuid = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (!is_mounted("/proc")) mount_one("proc", "/proc", "proc", nosuid, NULL);
    if (!is_mounted("/sys")) mount_one("sysfs", "/sys", "sysfs", nosuid, NULL);
    if (!is_mounted("/dev")) mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    if (!is_mounted("/dev/pts")) {
        mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                  "mode=0620,ptmxmode=0666,gid=5");
    }
    if (!is_mounted("/dev/shm")) mount_one("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
                                           "mode=1777");
    if (!is_mounted("/run")) mount_one("run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    if (!is_mounted("/sys/fs/cgroup")) {
        mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", nosuid, NULL);
    }
    static const char *const links[][2] = {{"/proc/self/fd", "/dev/fd"},
                                           {"/proc/self/fd/0", "/dev/stdin"},
                                           {"/proc/self/fd/1", "/dev/stdout"},
                                           {"/proc/self/fd/2", "/dev/stderr"}};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        if (symlink(links[i][0], links[i][1]) != 0 && errno != EEXIST) {
            log_msg(LOG_WARN, "linking %s: %s", links[i][1], strerror(errno));
        }
    }
}
