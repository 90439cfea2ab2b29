#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "files.h"
#include "proto.h"
#include "spawn.h"
#include "users.h"

extern char **environ;

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum failure_stage { STAGE_USER = 1, STAGE_CWD = 2, STAGE_EXEC = 3 };

struct failure {
    int stage;
    int err;
};

static char **base_env;

void spawn_set_base_env(char **env) { base_env = env; }

static int errno_code(int e) {
    switch (e) {
    case ENOENT:
    case ENOTDIR: return CLOSE_NOT_FOUND;
    case EACCES:
    case EPERM: return CLOSE_PERMISSION;
    default: return CLOSE_IO;
    }
}

static void reset_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++) {
        signal(sig, SIG_DFL);
    }
}

static void close_from(int lowest) {
    if (syscall(SYS_close_range, (unsigned)lowest, ~0u, 0u) == 0) return;
    for (int fd = lowest; fd < 65536; fd++) close(fd);
}

/* ---- environment ---- */

struct env {
    char **vars;
    size_t len;
    size_t cap;
};

static size_t name_len(const char *var) {
    const char *eq = strchr(var, '=');
    return eq ? (size_t)(eq - var) : strlen(var);
}

/* Later values replace earlier ones of the same name. */
static int env_set(struct env *e, const char *var) {
    size_t n = name_len(var);
    for (size_t i = 0; i < e->len; i++) {
        if (name_len(e->vars[i]) == n && strncmp(e->vars[i], var, n) == 0) {
            e->vars[i] = (char *)var;
            return 0;
        }
    }
    if (e->len + 2 > e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 32;
        char **vars = realloc(e->vars, cap * sizeof *vars);
        if (vars == NULL) return -1;
        e->vars = vars;
        e->cap = cap;
    }
    e->vars[e->len++] = (char *)var;
    e->vars[e->len] = NULL;
    return 0;
}

/* Built in the child only, so the strings never need freeing. */
static char **build_env(const struct open_req *req, const struct user_ids *u, bool tty) {
    static char home[1100], user[300], logname[300], shell[300];
    struct env e = {0};
    snprintf(home, sizeof home, "HOME=%s", u ? u->home : "/root");
    int rc = env_set(&e, "PATH=" DEFAULT_PATH) | env_set(&e, home);
    if (u == NULL || u->has_name) {
        const char *name = u ? u->name : "root";
        snprintf(user, sizeof user, "USER=%s", name);
        snprintf(logname, sizeof logname, "LOGNAME=%s", name);
        rc |= env_set(&e, user) | env_set(&e, logname);
    }
    snprintf(shell, sizeof shell, "SHELL=%s", u ? u->shell : "/bin/sh");
    rc |= env_set(&e, shell);
    if (tty) rc |= env_set(&e, "TERM=xterm-256color");
    for (size_t i = 0; base_env != NULL && base_env[i] != NULL; i++) rc |= env_set(&e, base_env[i]);
    for (size_t i = 0; i < req->envc; i++) rc |= env_set(&e, req->envp[i]);
    return rc == 0 ? e.vars : NULL;
}

/* ---- commands ---- */

struct exec_fds {
    int stdin_pipe[2];
    int stdout_pipe[2];
    int stderr_pipe[2];
    int master;
    int slave;
    int report[2];
};

static void close_pair(int p[2]) {
    if (p[0] >= 0) close(p[0]);
    if (p[1] >= 0) close(p[1]);
    p[0] = p[1] = -1;
}

static void close_all(struct exec_fds *f) {
    close_pair(f->stdin_pipe);
    close_pair(f->stdout_pipe);
    close_pair(f->stderr_pipe);
    close_pair(f->report);
    if (f->master >= 0) close(f->master);
    if (f->slave >= 0) close(f->slave);
    f->master = f->slave = -1;
}

static int open_fds(const struct open_req *req, struct exec_fds *f) {
    memset(f, -1, sizeof *f);
    if (pipe2(f->report, O_CLOEXEC) != 0) return -1;
    if (req->has_tty) {
        struct winsize ws = {.ws_row = req->rows, .ws_col = req->cols};
        if (openpty(&f->master, &f->slave, NULL, NULL, &ws) != 0) return -1;
        fcntl(f->master, F_SETFD, FD_CLOEXEC);
        fcntl(f->slave, F_SETFD, FD_CLOEXEC);
        return 0;
    }
    if (pipe2(f->stdin_pipe, O_CLOEXEC) || pipe2(f->stdout_pipe, O_CLOEXEC) ||
        pipe2(f->stderr_pipe, O_CLOEXEC)) {
        return -1;
    }
    return 0;
}

static void report_and_exit(int fd, int stage) {
    struct failure fl = {.stage = stage, .err = errno};
    ssize_t w = write(fd, &fl, sizeof fl);
    (void)w;
    _exit(127);
}

static void exec_child(const struct open_req *req, const struct user_ids *u, struct exec_fds *f) {
    reset_signals();
    if (req->has_tty) {
        setsid();
        ioctl(f->slave, TIOCSCTTY, 0);
        dup2(f->slave, 0);
        dup2(f->slave, 1);
        dup2(f->slave, 2);
    } else {
        setpgid(0, 0);
        dup2(f->stdin_pipe[0], 0);
        dup2(f->stdout_pipe[1], 1);
        dup2(f->stderr_pipe[1], 2);
    }
    if (u != NULL && user_switch(u) != 0) report_and_exit(f->report[1], STAGE_USER);
    const char *dir = req->cwd ? req->cwd : (u ? u->home : "/");
    if (chdir(dir) != 0) {
        if (req->cwd != NULL) report_and_exit(f->report[1], STAGE_CWD);
        if (chdir("/") != 0) report_and_exit(f->report[1], STAGE_CWD);
    }
    char **env = build_env(req, u, req->has_tty);
    if (env == NULL) {
        errno = ENOMEM;
        report_and_exit(f->report[1], STAGE_EXEC);
    }
    environ = env;
    execvp(req->argv[0], req->argv);
    report_and_exit(f->report[1], STAGE_EXEC);
}

/* Waits for the child to exec: the report pipe closes on success or carries the failure. */
static int await_exec(pid_t pid, struct exec_fds *f, const struct open_req *req, char *msg,
                      size_t msglen) {
    struct failure fl;
    ssize_t n;
    close(f->report[1]);
    f->report[1] = -1;
    do {
        n = read(f->report[0], &fl, sizeof fl);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof fl) {
        return 0;
    }
    waitpid(pid, NULL, 0);
    static const char *const what[] = {"", "switching to user", "changing directory to",
                                       "executing"};
    const char *subject = fl.stage == STAGE_USER  ? (req->user ? req->user : "")
                          : fl.stage == STAGE_CWD ? (req->cwd ? req->cwd : "/")
                                                  : req->argv[0];
    snprintf(msg, msglen, "%s \"%s\": %s", what[fl.stage & 3], subject, strerror(fl.err));
    return errno_code(fl.err);
}

static void set_nonblock(int fd) {
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int resolve_optional_user(const char *spec, struct user_ids *u, bool *have, char *msg,
                                 size_t msglen) {
    *have = spec != NULL;
    return spec ? user_resolve(spec, u, msg, msglen) : 0;
}

int spawn_exec(const struct open_req *req, struct spawned *out, char *msg, size_t msglen) {
    struct user_ids u;
    bool have_user;
    int rc = resolve_optional_user(req->user, &u, &have_user, msg, msglen);
    if (rc != 0) return rc;

    struct exec_fds f;
    if (open_fds(req, &f) != 0) {
        snprintf(msg, msglen, "creating %s for \"%s\": %s", req->has_tty ? "terminal" : "pipes",
                 req->argv[0], strerror(errno));
        close_all(&f);
        return CLOSE_IO;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, msglen, "forking for \"%s\": %s", req->argv[0], strerror(errno));
        close_all(&f);
        return CLOSE_IO;
    }
    if (pid == 0) exec_child(req, have_user ? &u : NULL, &f);
    /* Set the group here too: a signal may arrive before the child ran setpgid itself. */
    if (!req->has_tty) setpgid(pid, pid);

    rc = await_exec(pid, &f, req, msg, msglen);
    if (rc != 0) {
        close_all(&f);
        return rc;
    }
    out->pid = pid;
    out->tty = req->has_tty;
    out->status_fd = -1;
    if (req->has_tty) {
        out->in_fd = f.master;
        out->out_fd = fcntl(f.master, F_DUPFD_CLOEXEC, 3);
        out->err_fd = -1;
        f.master = -1;
    } else {
        out->in_fd = f.stdin_pipe[1];
        out->out_fd = f.stdout_pipe[0];
        out->err_fd = f.stderr_pipe[0];
        f.stdin_pipe[1] = f.stdout_pipe[0] = f.stderr_pipe[0] = -1;
    }
    close_all(&f);
    set_nonblock(out->in_fd);
    set_nonblock(out->out_fd);
    set_nonblock(out->err_fd);
    return 0;
}

/* ---- workers ---- */

static void worker_child(const struct open_req *req, const struct user_ids *u, int in_fd,
                         int out_fd, int status_fd) {
    reset_signals();
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    dup2(in_fd >= 0 ? in_fd : null_fd, 0);
    dup2(out_fd >= 0 ? out_fd : null_fd, 1);
    dup2(status_fd, 2);
    close_from(3);
    struct op_error err = {.code = 0, .message = ""};
    int code = 0;
    if (u != NULL && user_switch(u) != 0) {
        snprintf(err.message, sizeof err.message, "switching to user \"%s\": %s", req->user,
                 strerror(errno));
        code = CLOSE_PERMISSION;
    } else {
        code = files_run_worker(req, 0, 1, &err);
    }
    if (code != 0) {
        ssize_t w = write(2, err.message, strlen(err.message));
        (void)w;
    }
    _exit(code);
}

int spawn_worker(const struct open_req *req, struct spawned *out, char *msg, size_t msglen) {
    struct user_ids u;
    bool have_user;
    int rc = resolve_optional_user(req->user, &u, &have_user, msg, msglen);
    if (rc != 0) return rc;

    bool takes_input = req->kind != KIND_GET;
    int in[2] = {-1, -1}, data[2] = {-1, -1}, status[2] = {-1, -1};
    if ((takes_input && pipe2(in, O_CLOEXEC)) || (!takes_input && pipe2(data, O_CLOEXEC)) ||
        pipe2(status, O_CLOEXEC)) {
        snprintf(msg, msglen, "creating pipes for \"%s\": %s", req->path, strerror(errno));
        close_pair(in);
        close_pair(data);
        close_pair(status);
        return CLOSE_IO;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, msglen, "forking for \"%s\": %s", req->path, strerror(errno));
        close_pair(in);
        close_pair(data);
        close_pair(status);
        return CLOSE_IO;
    }
    if (pid == 0) worker_child(req, have_user ? &u : NULL, in[0], data[1], status[1]);
    setpgid(pid, pid);
    if (in[0] >= 0) close(in[0]);
    if (data[1] >= 0) close(data[1]);
    close(status[1]);
    *out = (struct spawned){.pid = pid,
                            .tty = false,
                            .in_fd = in[1],
                            .out_fd = data[0],
                            .err_fd = -1,
                            .status_fd = status[0]};
    set_nonblock(out->in_fd);
    set_nonblock(out->out_fd);
    set_nonblock(out->status_fd);
    return 0;
}

pid_t spawn_detached(char **argv, const char *cwd, const char *user, int stdin_fd,
                     int stdout_fd) {
    struct user_ids u;
    char err[256];
    if (user != NULL && user_resolve(user, &u, err, sizeof err) != 0) {
        fprintf(stderr, "banger-vsock-agent: entrypoint: %s\n", err);
        return -1;
    }
    pid_t pid = fork();
    if (pid != 0) return pid;
    reset_signals();
    setsid();
    dup2(stdin_fd, 0);
    dup2(stdout_fd, 1);
    dup2(stdout_fd, 2);
    if (user != NULL && user_switch(&u) != 0) {
        fprintf(stderr, "banger-vsock-agent: entrypoint: switching to user \"%s\": %s\n", user,
                strerror(errno));
        _exit(126);
    }
    if (chdir(cwd ? cwd : "/") != 0) {
        fprintf(stderr, "banger-vsock-agent: entrypoint: changing directory to \"%s\": %s\n",
                cwd, strerror(errno));
        _exit(126);
    }
    struct open_req none = {.envc = 0};
    char **env = build_env(&none, user ? &u : NULL, false);
    if (env != NULL) environ = env;
    execvp(argv[0], argv);
    fprintf(stderr, "banger-vsock-agent: entrypoint: executing \"%s\": %s\n", argv[0],
            strerror(errno));
    _exit(127);
}
