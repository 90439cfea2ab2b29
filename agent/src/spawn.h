/* Starting the processes behind channels: commands (with pipes or a terminal) and the
 * file-transfer workers, which run forked so that their blocking I/O never stalls the loop. */
#ifndef BANGER_SPAWN_H
#define BANGER_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "message.h"

struct spawned {
    pid_t pid;
    bool tty;
    int in_fd;     /* host data goes here (stdin, terminal, file content); -1 if none */
    int out_fd;    /* stdout, terminal output or file content; -1 if none */
    int err_fd;    /* stderr of a command; -1 if none */
    int status_fd; /* error text of a worker; -1 for commands */
};

/* Environment every command starts from, before the request's own ENV fields (in init mode:
 * the image's environment). NULL-terminated; may be NULL. */
void spawn_set_base_env(char **env);

/* Both return 0, or a CLOSE code with a message in msg. */
int spawn_exec(const struct open_req *req, struct spawned *out, char *msg, size_t msglen);
int spawn_worker(const struct open_req *req, struct spawned *out, char *msg, size_t msglen);

/* Starts argv detached from any channel (init mode's entrypoint), stdio on the given fds. */
pid_t spawn_detached(char **argv, const char *cwd, const char *user, int stdin_fd,
                     int stdout_fd);

#endif
