/* Starting real processes: users, pipes, terminals and failures before exec. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "message.h"
#include "proto.h"
#include "spawn.h"
#include "users.h"

static size_t read_until_eof(int fd, char *out, size_t cap) {
    size_t len = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0) break;
        ssize_t n = read(fd, out + len, cap - 1 - len);
        if (n > 0) len += (size_t)n;
        else if (n == 0 || errno != EAGAIN) break;
    }
    out[len] = '\0';
    return len;
}

static void close_spawned(struct spawned *sp) {
    int fds[] = {sp->in_fd, sp->out_fd, sp->err_fd, sp->status_fd};
    for (size_t i = 0; i < 4; i++) {
        if (fds[i] >= 0) close(fds[i]);
    }
}

TEST(userResolutionFollowsPasswdAndAcceptsBareIds) {
    struct user_ids u;
    char err[128];
    CHECK(user_resolve("root", &u, err, sizeof err) == 0);
    CHECK(u.uid == 0 && u.has_name && strcmp(u.home, "/root") == 0);
    CHECK(user_resolve("4321:4322", &u, err, sizeof err) == 0);
    CHECK(u.uid == 4321 && u.gid == 4322 && !u.has_name);
    CHECK(user_resolve("no-such-user-here", &u, err, sizeof err) == CLOSE_NOT_FOUND);
    CHECK(strstr(err, "no-such-user-here") != NULL);
    CHECK(user_resolve("root:no-such-group-here", &u, err, sizeof err) == CLOSE_NOT_FOUND);
}

TEST(commandRunsWithPipesAndItsEnvironment) {
    char *argv[] = {"sh", "-c", "echo out:$GREETING; echo err >&2; exit 3", NULL};
    char *envp[] = {"GREETING=hello", NULL};
    struct open_req req = {.kind = KIND_EXEC, .argv = argv, .argc = 3, .envp = envp, .envc = 1};
    struct spawned sp;
    char msg[256], out[256], err[256];
    CHECK(spawn_exec(&req, &sp, msg, sizeof msg) == 0);
    close(sp.in_fd);
    sp.in_fd = -1;
    read_until_eof(sp.out_fd, out, sizeof out);
    read_until_eof(sp.err_fd, err, sizeof err);
    int status;
    CHECK(waitpid(sp.pid, &status, 0) == sp.pid);
    close_spawned(&sp);
    CHECK_STR(out, "out:hello\n");
    CHECK_STR(err, "err\n");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
}

TEST(commandRunsAsTheRequestedUser) {
    char *argv[] = {"id", "-u", NULL};
    char *envp[] = {NULL};
    struct open_req req = {
        .kind = KIND_EXEC, .argv = argv, .argc = 2, .envp = envp, .user = "65534:65534"};
    struct spawned sp;
    char msg[256], out[64];
    CHECK(spawn_exec(&req, &sp, msg, sizeof msg) == 0);
    read_until_eof(sp.out_fd, out, sizeof out);
    waitpid(sp.pid, NULL, 0);
    close_spawned(&sp);
    CHECK_STR(out, "65534\n");
}

TEST(missingProgramIsReportedBeforeTheChannelOpens) {
    char *argv[] = {"/no/such/program", NULL};
    char *envp[] = {NULL};
    struct open_req req = {.kind = KIND_EXEC, .argv = argv, .argc = 1, .envp = envp};
    struct spawned sp;
    char msg[256];
    CHECK(spawn_exec(&req, &sp, msg, sizeof msg) == CLOSE_NOT_FOUND);
    CHECK(strstr(msg, "executing \"/no/such/program\"") != NULL);
}

TEST(missingWorkingDirectoryIsReportedBeforeTheChannelOpens) {
    char *argv[] = {"true", NULL};
    char *envp[] = {NULL};
    struct open_req req = {
        .kind = KIND_EXEC, .argv = argv, .argc = 1, .envp = envp, .cwd = "/no/such/dir"};
    struct spawned sp;
    char msg[256];
    CHECK(spawn_exec(&req, &sp, msg, sizeof msg) == CLOSE_NOT_FOUND);
    CHECK(strstr(msg, "changing directory to \"/no/such/dir\"") != NULL);
}

TEST(terminalCommandSeesItsWindowSizeAndATty) {
    char *argv[] = {"sh", "-c", "stty size; test -t 0 && echo tty", NULL};
    char *envp[] = {NULL};
    struct open_req req = {.kind = KIND_EXEC,
                           .argv = argv,
                           .argc = 3,
                           .envp = envp,
                           .has_tty = true,
                           .rows = 33,
                           .cols = 101};
    struct spawned sp;
    char msg[256], out[256];
    CHECK(spawn_exec(&req, &sp, msg, sizeof msg) == 0);
    CHECK(sp.tty && sp.err_fd == -1);
    read_until_eof(sp.out_fd, out, sizeof out);
    waitpid(sp.pid, NULL, 0);
    close_spawned(&sp);
    CHECK(strstr(out, "33 101") != NULL);
    CHECK(strstr(out, "tty") != NULL);
}
