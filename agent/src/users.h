/* Resolving the USER of a request and taking on its identity in a child process. */
#ifndef BANGER_USERS_H
#define BANGER_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct user_ids {
    uid_t uid;
    gid_t gid;
    bool has_name; /* found in /etc/passwd: supplementary groups come from /etc/group */
    char name[256];
    char home[1024];
    char shell[256];
};

/* spec is "name", "uid", "name:group" or "uid:gid". Returns 0, or a CLOSE code with a
 * message in err. */
int user_resolve(const char *spec, struct user_ids *out, char *err, size_t errlen);
/* In a child: set groups, gid, then uid. Returns 0 or -1 with errno set. */
int user_switch(const struct user_ids *u);

#endif
