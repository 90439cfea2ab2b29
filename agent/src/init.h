/* Init mode: the agent as PID 1 of an image without an init system (an OCI image). */
#ifndef BANGER_INIT_H
#define BANGER_INIT_H

#include <stddef.h>

#define ENTRYPOINT_FILE "/etc/banger/entrypoint"

/* The image's command, as the OCI importer records it in ENTRYPOINT_FILE: one field per
 * line, "arg VALUE", "env NAME=VALUE", "cwd PATH" or "user SPEC", with \\n, \\t and \\\\
 * escapes in VALUE; blank lines and lines starting with '#' are ignored. */
struct entrypoint {
    char **argv;
    size_t argc;
    char **env;
    size_t envc;
    char *cwd;
    char *user;
};

int entrypoint_parse(const char *text, struct entrypoint *out, char *err, size_t errlen);
/* Returns 0 when loaded, 1 when the file does not exist, -1 (logged) when it is invalid. */
int entrypoint_load(const char *path, struct entrypoint *out);

/* Mounts /proc, /sys, /dev, /dev/pts, /dev/shm, /run and the cgroup2 hierarchy when they are
 * not mounted yet, and adds the /dev/fd style links devtmpfs lacks. */
void init_mount_basics(void);

#endif
