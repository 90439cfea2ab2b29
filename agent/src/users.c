#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "users.h"

static int parse_id(const char *s, unsigned long *out) {
    char *end;
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > 0x7fffffffUL) return -1;
    *out = v;
    return 0;
}

static void copy_passwd(struct user_ids *out, const struct passwd *pw) {
    out->uid = pw->pw_uid;
    out->gid = pw->pw_gid;
    out->has_name = true;
    snprintf(out->name, sizeof out->name, "%s", pw->pw_name);
    snprintf(out->home, sizeof out->home, "%s", pw->pw_dir ? pw->pw_dir : "/");
    snprintf(out->shell, sizeof out->shell, "%s", pw->pw_shell ? pw->pw_shell : "/bin/sh");
}

static int resolve_group(const char *spec, gid_t *gid, char *err, size_t errlen) {
    unsigned long id;
    if (parse_id(spec, &id) == 0) {
        *gid = (gid_t)id;
        return 0;
    }
    struct group *gr = getgrnam(spec);
    if (gr == NULL) {
        snprintf(err, errlen, "group \"%s\" not found in /etc/group", spec);
        return CLOSE_NOT_FOUND;
    }
    *gid = gr->gr_gid;
    return 0;
}

int user_resolve(const char *spec, struct user_ids *out, char *err, size_t errlen) {
    char name[256];
    const char *colon = strchr(spec, ':');
    size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
    if (nlen == 0 || nlen >= sizeof name) {
        snprintf(err, errlen, "invalid user \"%s\"", spec);
        return CLOSE_INVALID;
    }
    memcpy(name, spec, nlen);
    name[nlen] = '\0';
    memset(out, 0, sizeof *out);
    unsigned long id;
    struct passwd *pw;
    if (parse_id(name, &id) == 0) {
        pw = getpwuid((uid_t)id);
        if (pw != NULL) {
            copy_passwd(out, pw);
        } else {
            /* A numeric id need not exist in /etc/passwd, as in container images. */
            out->uid = (uid_t)id;
            out->gid = (gid_t)id;
            snprintf(out->home, sizeof out->home, "/");
            snprintf(out->shell, sizeof out->shell, "/bin/sh");
        }
    } else {
        pw = getpwnam(name);
        if (pw == NULL) {
            snprintf(err, errlen, "user \"%s\" not found in /etc/passwd", name);
            return CLOSE_NOT_FOUND;
        }
        copy_passwd(out, pw);
    }
    return colon ? resolve_group(colon + 1, &out->gid, err, errlen) : 0;
}

int user_switch(const struct user_ids *u) {
    if (u->has_name) {
        if (initgroups(u->name, u->gid) != 0) return -1;
    } else if (setgroups(0, NULL) != 0) {
        return -1;
    }
    if (setgid(u->gid) != 0) return -1;
    return setuid(u->uid);
}
