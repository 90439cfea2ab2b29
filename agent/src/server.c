/* The agent's event loop. One thread, one poll() over every descriptor: listeners, host
 * connections, and the pipes, terminals and sockets behind each channel. Objects are only
 * marked dead while events are handled and freed in a sweep at the end of each round, so a
 * handler never sees a dangling pointer. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "hostinfo.h"
#include "log.h"
#include "message.h"
#include "power.h"
#include "proto.h"
#include "server.h"
#include "spawn.h"
#include "transport.h"

#ifndef AGENT_VERSION
#define AGENT_VERSION "dev"
#endif

#define MAX_CONNS 16
#define READ_CHUNK 65536u
/* Above this much queued output, channels stop reading from their processes. */
#define OUTQ_HIGH (1u << 20)
/* Above this, the host is not reading at all (control replies only): drop the connection. */
#define OUTQ_LIMIT (32u << 20)
#define GRANT_BATCH 65536u
#define SERIAL_TICK_MS 100
#define SERIAL_SEARCH_MS 500
#define FLUSH_TIMEOUT_MS 2000

struct sink {
    int fd;
    struct buf pending;
    uint32_t window_left; /* bytes the host may still send */
    uint32_t to_grant;    /* consumed but not yet granted back */
    bool eof;             /* host sent EOF: close once pending is written */
    bool broken;          /* the receiver is gone: data is counted and dropped */
};

struct source {
    int fd;
    uint32_t credit; /* bytes the host is ready to receive */
};

struct conn;

struct channel {
    struct conn *conn;
    uint32_t id;
    uint8_t kind;
    bool dead;
    bool tty;
    bool connecting; /* DIAL until the TCP connection is established */
    pid_t pid;
    bool exited;
    uint8_t exit_how;
    int32_t exit_value;
    struct sink in;
    struct source out[2]; /* streams 1 and 2 */
    int status_fd;        /* a worker's error text */
    size_t status_len;
    char status[PROTO_MAX_CLOSE_MESSAGE + 1];
};

enum conn_kind { CONN_STREAM, CONN_SERIAL };

struct conn {
    int fd;
    enum conn_kind kind;
    const char *transport;
    bool connected; /* a serial port is open on the host side */
    bool dead;
    struct buf in;
    struct buf out;
    struct channel **channels;
    size_t nchannels;
    size_t capchannels;
};

enum watch_kind { W_SIGNAL, W_LISTENER, W_CONN, W_SINK, W_SOURCE, W_STATUS };

struct watch {
    enum watch_kind kind;
    void *obj;
    int index;
};

struct server {
    const struct server_config *cfg;
    int listeners[2];
    const char *listener_names[2];
    struct conn *conns[MAX_CONNS + 1];
    size_t nconns;
    struct conn *serial;
    char serial_device[256];
    long serial_search_ms;
    int sigfd;
    bool stop;
    int exit_code;
    pid_t entrypoint;
    struct pollfd *pfds;
    struct watch *watches;
    size_t nwatch;
    size_t capwatch;
    uint8_t scratch[PROTO_MAX_PAYLOAD];
};

/* ---- sending ---- */

static void conn_lost(struct conn *c, const char *why);

static void conn_send(struct conn *c, uint8_t type, uint32_t channel, const void *payload,
                      size_t len) {
    if (c->dead || !c->connected) return;
    uint8_t header[FRAME_HEADER_SIZE];
    frame_header_encode(header, type, channel, (uint32_t)len);
    if (buf_append(&c->out, header, sizeof header) != 0 ||
        (len > 0 && buf_append(&c->out, payload, len) != 0)) {
        conn_lost(c, "out of memory queueing a frame");
        return;
    }
    if (c->out.len > OUTQ_LIMIT) conn_lost(c, "the host stopped reading");
}

static void send_close_id(struct conn *c, uint32_t id, uint16_t code, const char *message) {
    uint8_t payload[2 + PROTO_MAX_CLOSE_MESSAGE];
    size_t len = close_encode(payload, sizeof payload, code, message);
    conn_send(c, T_CLOSE, id, payload, len);
}

/* ---- channels ---- */

static struct channel *find_channel(struct conn *c, uint32_t id) {
    for (size_t i = 0; i < c->nchannels; i++) {
        if (!c->channels[i]->dead && c->channels[i]->id == id) return c->channels[i];
    }
    return NULL;
}

static size_t live_channels(const struct conn *c) {
    size_t n = 0;
    for (size_t i = 0; i < c->nchannels; i++) n += !c->channels[i]->dead;
    return n;
}

static struct channel *channel_new(struct conn *c, uint32_t id, uint8_t kind) {
    if (c->nchannels == c->capchannels) {
        size_t cap = c->capchannels ? c->capchannels * 2 : 16;
        struct channel **grown = realloc(c->channels, cap * sizeof *grown);
        if (grown == NULL) return NULL;
        c->channels = grown;
        c->capchannels = cap;
    }
    struct channel *ch = calloc(1, sizeof *ch);
    if (ch == NULL) return NULL;
    ch->conn = c;
    ch->id = id;
    ch->kind = kind;
    ch->in.fd = ch->out[0].fd = ch->out[1].fd = ch->status_fd = -1;
    ch->in.window_left = PROTO_INITIAL_WINDOW;
    ch->out[0].credit = ch->out[1].credit = PROTO_INITIAL_WINDOW;
    c->channels[c->nchannels++] = ch;
    return ch;
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* Closes everything the channel holds; the struct is freed by the sweep. */
static void channel_release(struct channel *ch) {
    close_fd(&ch->in.fd);
    close_fd(&ch->out[0].fd);
    close_fd(&ch->out[1].fd);
    close_fd(&ch->status_fd);
    ch->dead = true;
}

static void channel_kill(struct channel *ch, int sig) {
    if (ch->pid <= 0 || ch->exited) return;
    /* Workers get SIGTERM whatever the reason: it lets them remove a half-written file. */
    if (ch->kind != KIND_EXEC) sig = SIGTERM;
    if (kill(-ch->pid, sig) != 0) kill(ch->pid, sig);
}

static void channel_abort(struct channel *ch, int sig) {
    channel_kill(ch, sig);
    channel_release(ch);
}

static void protocol_error(struct channel *ch, const char *why) {
    log_limited(LOG_WARN, "%s: closing channel %u on a malformed frame: %s", ch->conn->transport,
                ch->id, why);
    send_close_id(ch->conn, ch->id, CLOSE_PROTOCOL, why);
    channel_abort(ch, SIGKILL);
}

/* The end of a session (HELLO, or the host going away) hangs up on what still runs, the way
 * a terminal hangup does: processes that ignore SIGHUP keep running, without their streams. */
static void conn_reset_channels(struct conn *c) {
    for (size_t i = 0; i < c->nchannels; i++) {
        if (!c->channels[i]->dead) channel_abort(c->channels[i], SIGHUP);
    }
}

static void conn_lost(struct conn *c, const char *why) {
    if (c->dead || !c->connected) return;
    log_msg(LOG_INFO, "%s: host connection ended: %s", c->transport, why);
    conn_reset_channels(c);
    buf_clear(&c->in);
    buf_clear(&c->out);
    if (c->kind == CONN_SERIAL) {
        c->connected = false; /* the port stays open: the host may come back */
    } else {
        c->dead = true;
    }
}

/* ---- data from the host to a channel ---- */

static void sink_grant(struct channel *ch) {
    struct sink *s = &ch->in;
    if (s->to_grant == 0 || (s->pending.len > 0 && s->to_grant < GRANT_BATCH)) return;
    uint8_t payload[5];
    conn_send(ch->conn, T_WINDOW, ch->id, payload, window_encode(payload, STREAM_IN, s->to_grant));
    s->window_left += s->to_grant;
    s->to_grant = 0;
}

static void sink_close(struct channel *ch) {
    if (ch->tty) return; /* a terminal has no end-of-input short of closing its output too */
    if (ch->kind == KIND_DIAL) shutdown(ch->in.fd, SHUT_WR);
    close_fd(&ch->in.fd);
}

static void sink_flush(struct channel *ch) {
    struct sink *s = &ch->in;
    while (s->pending.len > 0 && s->fd >= 0 && !s->broken && !ch->connecting) {
        ssize_t w = write(s->fd, buf_start(&s->pending), s->pending.len);
        if (w > 0) {
            buf_consume(&s->pending, (size_t)w);
            s->to_grant += (uint32_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN) {
            break;
        } else {
            s->broken = true; /* EPIPE: the process closed its input; keep draining the host */
        }
    }
    if (s->broken && s->pending.len > 0) {
        s->to_grant += (uint32_t)s->pending.len;
        buf_clear(&s->pending);
    }
    sink_grant(ch);
    if (s->eof && s->pending.len == 0 && s->fd >= 0 && !ch->connecting) sink_close(ch);
}

static void on_data(struct channel *ch, const struct frame *f) {
    uint8_t stream;
    const uint8_t *bytes;
    size_t len;
    const char *why;
    struct sink *s = &ch->in;
    if (data_decode(f->payload, f->length, &stream, &bytes, &len, &why) != 0) {
        protocol_error(ch, why);
    } else if (stream != STREAM_IN) {
        protocol_error(ch, "the host may only send DATA on stream 0");
    } else if (ch->kind == KIND_GET) {
        protocol_error(ch, "a GET channel takes no input");
    } else if (s->eof) {
        protocol_error(ch, "DATA after EOF");
    } else if (len > s->window_left) {
        protocol_error(ch, "DATA beyond the flow-control window");
    } else {
        s->window_left -= (uint32_t)len;
        if (s->broken || s->fd < 0) {
            s->to_grant += (uint32_t)len;
            sink_grant(ch);
        } else if (buf_append(&s->pending, bytes, len) != 0) {
            send_close_id(ch->conn, ch->id, CLOSE_IO, "out of memory buffering input");
            channel_abort(ch, SIGKILL);
        } else {
            sink_flush(ch);
        }
    }
}

static void on_eof(struct channel *ch, const struct frame *f) {
    uint8_t stream;
    const char *why;
    if (eof_decode(f->payload, f->length, &stream, &why) != 0) {
        protocol_error(ch, why);
    } else if (stream != STREAM_IN) {
        protocol_error(ch, "the host may only end stream 0");
    } else {
        ch->in.eof = true;
        sink_flush(ch);
    }
}

static void on_window(struct channel *ch, const struct frame *f) {
    uint8_t stream;
    uint32_t increment;
    const char *why;
    if (window_decode(f->payload, f->length, &stream, &increment, &why) != 0) {
        protocol_error(ch, why);
        return;
    }
    if (stream == STREAM_IN) {
        protocol_error(ch, "WINDOW for stream 0 comes from the agent");
        return;
    }
    struct source *src = &ch->out[stream - 1];
    if (increment > PROTO_INITIAL_WINDOW - src->credit) {
        protocol_error(ch, "WINDOW grants more than was sent");
        return;
    }
    src->credit += increment;
}

static void on_resize(struct channel *ch, const struct frame *f) {
    uint16_t rows, cols;
    const char *why;
    if (resize_decode(f->payload, f->length, &rows, &cols, &why) != 0) {
        protocol_error(ch, why);
        return;
    }
    if (!ch->tty || ch->in.fd < 0) return; /* nothing to resize: harmless */
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    if (ioctl(ch->in.fd, TIOCSWINSZ, &ws) != 0) {
        log_msg(LOG_DEBUG, "channel %u: resizing terminal: %s", ch->id, strerror(errno));
    }
}

static void on_signal(struct channel *ch, const struct frame *f) {
    int signo;
    const char *why;
    if (signal_decode(f->payload, f->length, &signo, &why) != 0) {
        protocol_error(ch, why);
        return;
    }
    if (ch->pid <= 0 || ch->exited) return;
    /* With a terminal, the signal goes where Ctrl-C would send it: the foreground group. */
    pid_t group = ch->tty && ch->in.fd >= 0 ? tcgetpgrp(ch->in.fd) : -1;
    if (group <= 0) group = ch->pid;
    if (kill(-group, signo) != 0 && kill(ch->pid, signo) != 0) {
        log_msg(LOG_DEBUG, "channel %u: signal %d: %s", ch->id, signo, strerror(errno));
    }
}

static void on_host_close(struct channel *ch, const struct frame *f) {
    uint16_t code;
    const char *why;
    if (close_decode(f->payload, f->length, &code, &why) != 0) {
        log_limited(LOG_WARN, "channel %u: malformed CLOSE: %s", ch->id, why);
    }
    log_msg(LOG_DEBUG, "channel %u: closed by the host", ch->id);
    channel_abort(ch, SIGKILL);
}

/* ---- data from a channel to the host ---- */

static void source_finish(struct channel *ch, int index) {
    uint8_t payload[1];
    close_fd(&ch->out[index].fd);
    conn_send(ch->conn, T_EOF, ch->id, payload, eof_encode(payload, (uint8_t)(index + 1)));
}

static void source_readable(struct channel *ch, int index) {
    struct conn *c = ch->conn;
    struct source *src = &ch->out[index];
    size_t max = src->credit < PROTO_MAX_DATA ? src->credit : PROTO_MAX_DATA;
    if (max == 0 || c->dead || !c->connected) return;
    if (buf_reserve(&c->out, FRAME_HEADER_SIZE + 1 + max) != 0) {
        conn_lost(c, "out of memory");
        return;
    }
    /* Read straight into the output queue, behind room left for the frame header. */
    uint8_t *frame = buf_tail(&c->out);
    ssize_t n = read(src->fd, frame + FRAME_HEADER_SIZE + 1, max);
    if (n > 0) {
        frame_header_encode(frame, T_DATA, ch->id, (uint32_t)n + 1);
        frame[FRAME_HEADER_SIZE] = (uint8_t)(index + 1);
        buf_commit(&c->out, FRAME_HEADER_SIZE + 1 + (size_t)n);
        src->credit -= (uint32_t)n;
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        /* End of file; EIO once a terminal's last user has gone; a reset connection. */
        source_finish(ch, index);
    }
}

static void status_readable(struct channel *ch) {
    char buf[512];
    ssize_t n = read(ch->status_fd, buf, sizeof buf);
    if (n > 0) {
        size_t room = sizeof ch->status - 1 - ch->status_len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(ch->status + ch->status_len, buf, take);
        ch->status_len += take;
        ch->status[ch->status_len] = '\0';
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_fd(&ch->status_fd);
    }
}

static bool outputs_done(const struct channel *ch) {
    return ch->out[0].fd < 0 && ch->out[1].fd < 0 && ch->status_fd < 0;
}

static void finish_exec(struct channel *ch) {
    uint8_t payload[5];
    conn_send(ch->conn, T_EXIT, ch->id, payload,
              exit_encode(payload, ch->exit_how, ch->exit_value));
    send_close_id(ch->conn, ch->id, CLOSE_OK, NULL);
    channel_release(ch);
}

static void finish_worker(struct channel *ch) {
    int code = ch->exit_how == EXIT_CODE ? ch->exit_value : CLOSE_IO;
    if (code < 0 || code > CLOSE_ABORTED) code = CLOSE_IO;
    char message[PROTO_MAX_CLOSE_MESSAGE + 1];
    if (code == CLOSE_OK) {
        message[0] = '\0';
    } else if (ch->status_len > 0) {
        snprintf(message, sizeof message, "%s", ch->status);
    } else if (ch->exit_how == EXIT_SIGNAL) {
        snprintf(message, sizeof message, "transfer worker killed by signal %d", ch->exit_value);
    } else {
        snprintf(message, sizeof message, "transfer worker failed with status %d",
                 ch->exit_value);
    }
    send_close_id(ch->conn, ch->id, (uint16_t)code, message);
    channel_release(ch);
}

/* A channel ends when its process has exited and all of its output has been sent. */
static void channel_check_done(struct channel *ch) {
    if (ch->dead) return;
    switch (ch->kind) {
    case KIND_EXEC:
        if (ch->exited && outputs_done(ch)) finish_exec(ch);
        break;
    case KIND_DIAL:
        if (!ch->connecting && ch->out[0].fd < 0 && ch->in.fd < 0) {
            send_close_id(ch->conn, ch->id, CLOSE_OK, NULL);
            channel_release(ch);
        }
        break;
    default:
        if (ch->exited && outputs_done(ch)) finish_worker(ch);
        break;
    }
}

/* ---- opening channels ---- */

static int errno_code(int e) {
    switch (e) {
    case ENOENT:
    case ENOTDIR: return CLOSE_NOT_FOUND;
    case EACCES:
    case EPERM: return CLOSE_PERMISSION;
    case ECONNREFUSED:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ETIMEDOUT: return CLOSE_REFUSED;
    default: return CLOSE_IO;
    }
}

static void send_opened(struct channel *ch, const struct opened_info *info) {
    uint8_t payload[64];
    conn_send(ch->conn, T_OPENED, ch->id, payload, opened_encode(payload, sizeof payload, info));
}

static struct channel *adopt(struct conn *c, uint32_t id, uint8_t kind, const struct spawned *sp) {
    struct channel *ch = channel_new(c, id, kind);
    if (ch == NULL) {
        kill(-sp->pid, SIGKILL);
        int fds[] = {sp->in_fd, sp->out_fd, sp->err_fd, sp->status_fd};
        for (size_t i = 0; i < 4; i++) close_fd(&fds[i]);
        send_close_id(c, id, CLOSE_IO, "out of memory");
        return NULL;
    }
    ch->pid = sp->pid;
    ch->tty = sp->tty;
    ch->in.fd = sp->in_fd;
    ch->out[0].fd = sp->out_fd;
    ch->out[1].fd = sp->err_fd;
    ch->status_fd = sp->status_fd;
    return ch;
}

static void open_exec(struct conn *c, uint32_t id, const struct open_req *req) {
    struct spawned sp;
    char msg[512];
    int rc = spawn_exec(req, &sp, msg, sizeof msg);
    if (rc != 0) {
        send_close_id(c, id, (uint16_t)rc, msg);
        return;
    }
    struct channel *ch = adopt(c, id, KIND_EXEC, &sp);
    if (ch == NULL) return;
    log_msg(LOG_DEBUG, "channel %u: started \"%s\" as pid %d", id, req->argv[0], (int)sp.pid);
    send_opened(ch, &(struct opened_info){.kind = KIND_EXEC, .pid = (uint32_t)sp.pid});
}

static void open_worker(struct conn *c, uint32_t id, const struct open_req *req) {
    struct opened_info info = {.kind = req->kind};
    char msg[512];
    if (req->kind == KIND_GET) {
        struct stat st;
        if (stat(req->path, &st) != 0) {
            int e = errno;
            snprintf(msg, sizeof msg, "inspecting \"%s\": %s", req->path, strerror(e));
            send_close_id(c, id, (uint16_t)errno_code(e), msg);
            return;
        }
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
            snprintf(msg, sizeof msg, "\"%s\" is neither a regular file nor a directory",
                     req->path);
            send_close_id(c, id, CLOSE_UNSUPPORTED, msg);
            return;
        }
        info.file_type = S_ISDIR(st.st_mode) ? FILE_DIRECTORY : FILE_REGULAR;
        info.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
        info.mode = st.st_mode & 07777u;
        info.mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    }
    struct spawned sp;
    int rc = spawn_worker(req, &sp, msg, sizeof msg);
    if (rc != 0) {
        send_close_id(c, id, (uint16_t)rc, msg);
        return;
    }
    struct channel *ch = adopt(c, id, req->kind, &sp);
    if (ch != NULL) send_opened(ch, &info);
}

static int dial_socket(const struct open_req *req, char *msg, size_t msglen) {
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    const char *host = req->host ? req->host : "127.0.0.1";
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
    socklen_t len;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(req->port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(req->port);
        len = sizeof *v6;
    } else {
        snprintf(msg, msglen, "HOST \"%s\" is not an IP address", host);
        errno = EINVAL;
        return -1;
    }
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || (connect(fd, (struct sockaddr *)&addr, len) != 0 && errno != EINPROGRESS)) {
        int e = errno;
        snprintf(msg, msglen, "connecting to %s port %u: %s", host, req->port, strerror(e));
        if (fd >= 0) close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void open_dial(struct conn *c, uint32_t id, const struct open_req *req) {
    char msg[256];
    int fd = dial_socket(req, msg, sizeof msg);
    if (fd < 0) {
        send_close_id(c, id, errno == EINVAL ? CLOSE_INVALID : (uint16_t)errno_code(errno), msg);
        return;
    }
    struct channel *ch = channel_new(c, id, KIND_DIAL);
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (ch == NULL || copy < 0) {
        close(fd);
        if (copy >= 0) close(copy);
        if (ch != NULL) ch->dead = true;
        send_close_id(c, id, CLOSE_IO, "out of resources for a connection");
        return;
    }
    ch->in.fd = fd;
    ch->out[0].fd = copy;
    ch->connecting = true; /* OPENED follows once the connection is established */
}

static void dial_writable(struct channel *ch) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(ch->in.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "connecting to guest port: %s", strerror(err));
        send_close_id(ch->conn, ch->id, (uint16_t)errno_code(err), msg);
        channel_release(ch);
        return;
    }
    ch->connecting = false;
    send_opened(ch, &(struct opened_info){.kind = KIND_DIAL});
    sink_flush(ch);
}

static void on_open(struct conn *c, const struct frame *f) {
    struct channel *existing = find_channel(c, f->channel);
    if (existing != NULL) {
        protocol_error(existing, "OPEN for a channel that is already open");
        return;
    }
    if (live_channels(c) >= PROTO_MAX_CHANNELS) {
        send_close_id(c, f->channel, CLOSE_LIMIT, "too many open channels");
        return;
    }
    const char *why;
    struct open_req *req = open_req_decode(f->payload, f->length, &why);
    if (req == NULL) {
        log_limited(LOG_WARN, "%s: rejecting OPEN of channel %u: %s", c->transport, f->channel,
                    why);
        send_close_id(c, f->channel, CLOSE_PROTOCOL, why);
        return;
    }
    switch (req->kind) {
    case KIND_EXEC: open_exec(c, f->channel, req); break;
    case KIND_DIAL: open_dial(c, f->channel, req); break;
    default: open_worker(c, f->channel, req); break;
    }
    open_req_free(req);
}

/* ---- control channel ---- */

static void flush_blocking(struct conn *c) {
    for (int waited = 0; c->out.len > 0 && !c->dead && waited < FLUSH_TIMEOUT_MS; waited += 50) {
        ssize_t n = write(c->fd, buf_start(&c->out), c->out.len);
        if (n > 0) {
            buf_consume(&c->out, (size_t)n);
            continue;
        }
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        poll(&p, 1, 50);
    }
}

static void on_hello(struct server *s, struct conn *c, const struct frame *f) {
    struct hello_req req;
    const char *why;
    if (hello_req_decode(f->payload, f->length, &req, &why) != 0) {
        log_limited(LOG_WARN, "%s: malformed HELLO: %s", c->transport, why);
        send_close_id(c, PROTO_CONTROL_CHANNEL, CLOSE_PROTOCOL, why);
        return;
    }
    /* HELLO starts a session: whatever the previous host left open belongs to nobody now. */
    conn_reset_channels(c);
    struct host_facts facts;
    hostinfo_read(&facts);
    struct hello_info info = {.nonce = req.nonce,
                              .agent_version = AGENT_VERSION,
                              .kernel = facts.kernel,
                              .boot_time_ms = facts.boot_time_ms,
                              .uptime_ms = facts.uptime_ms,
                              .hostname = facts.hostname,
                              .transport = c->transport};
    size_t len = hello_reply_encode(s->scratch, sizeof s->scratch, &info);
    conn_send(c, T_HELLO, PROTO_CONTROL_CHANNEL, s->scratch, len);
    log_msg(LOG_INFO, "%s: hello from the host", c->transport);
}

static void on_power(struct server *s, struct conn *c, const struct frame *f) {
    uint8_t action;
    const char *why;
    if (power_decode(f->payload, f->length, &action, &why) != 0) {
        send_close_id(c, PROTO_CONTROL_CHANNEL, CLOSE_PROTOCOL, why);
        return;
    }
    if (s->cfg->power == POWER_MODE_DENY) {
        send_close_id(c, PROTO_CONTROL_CHANNEL, CLOSE_UNSUPPORTED,
                      "power requests are disabled (--power deny)");
        return;
    }
    conn_send(c, T_POWER_ACK, PROTO_CONTROL_CHANNEL, NULL, 0);
    flush_blocking(c);
    log_msg(LOG_INFO, "%s requested by the host", action == POWER_OFF ? "power off" : "reboot");
    if (s->cfg->power == POWER_MODE_EXIT) {
        s->stop = true;
        s->exit_code = action == POWER_OFF ? 0 : 3;
        return;
    }
    power_act(action, s->cfg->as_init);
}

static void on_control(struct server *s, struct conn *c, const struct frame *f) {
    const char *why;
    switch (f->type) {
    case T_HELLO: on_hello(s, c, f); break;
    case T_PING:
        if (ping_decode(f->payload, f->length, &why) != 0) {
            send_close_id(c, PROTO_CONTROL_CHANNEL, CLOSE_PROTOCOL, why);
        } else {
            conn_send(c, T_PONG, PROTO_CONTROL_CHANNEL, f->payload, f->length);
        }
        break;
    case T_POWER: on_power(s, c, f); break;
    case T_CLOSE: break;
    default:
        log_limited(LOG_WARN, "%s: unexpected frame type 0x%02x on the control channel",
                    c->transport, f->type);
        send_close_id(c, PROTO_CONTROL_CHANNEL, CLOSE_PROTOCOL,
                      "unexpected frame type on the control channel");
        break;
    }
}

static void dispatch(struct server *s, struct conn *c, const struct frame *f) {
    if (f->channel == PROTO_CONTROL_CHANNEL) {
        on_control(s, c, f);
        return;
    }
    if (f->type == T_OPEN) {
        on_open(c, f);
        return;
    }
    struct channel *ch = find_channel(c, f->channel);
    if (ch == NULL) {
        /* Frames racing a channel's end are normal; nothing to answer. */
        log_msg(LOG_DEBUG, "frame 0x%02x for channel %u that is not open", f->type, f->channel);
        return;
    }
    switch (f->type) {
    case T_DATA: on_data(ch, f); break;
    case T_EOF: on_eof(ch, f); break;
    case T_WINDOW: on_window(ch, f); break;
    case T_RESIZE: on_resize(ch, f); break;
    case T_SIGNAL: on_signal(ch, f); break;
    case T_CLOSE: on_host_close(ch, f); break;
    default: protocol_error(ch, "frame type not accepted from the host"); break;
    }
}

static void on_unusable_header(struct conn *c, const struct frame *f, enum parse_status st) {
    char why[96];
    if (st == PARSE_OVERSIZE) {
        snprintf(why, sizeof why, "payload of %u bytes exceeds the limit of %u", f->length,
                 PROTO_MAX_PAYLOAD);
    } else {
        snprintf(why, sizeof why, "protocol version %u is not supported", f->version);
    }
    uint16_t code = st == PARSE_OVERSIZE ? CLOSE_PROTOCOL : CLOSE_UNSUPPORTED;
    log_limited(LOG_WARN, "%s: frame for channel %u refused: %s", c->transport, f->channel, why);
    send_close_id(c, f->channel, code, why);
    struct channel *ch = f->channel ? find_channel(c, f->channel) : NULL;
    if (ch != NULL) channel_abort(ch, SIGKILL);
}

static void conn_parse(struct server *s, struct conn *c) {
    unsigned long long skipped = 0;
    while (!c->dead && c->connected && c->in.len > 0) {
        struct frame f;
        size_t used;
        enum parse_status st = frame_parse(buf_start(&c->in), c->in.len, &f, &used);
        if (st == PARSE_NEED_MORE) break;
        /* Consumed before handling: the payload stays readable, and a handler that ends the
         * connection may clear the buffer. */
        buf_consume(&c->in, used);
        if (st == PARSE_SKIP) {
            skipped += used;
        } else if (st == PARSE_FRAME) {
            dispatch(s, c, &f);
        } else {
            on_unusable_header(c, &f, st);
        }
    }
    if (skipped > 0) {
        log_limited(LOG_WARN, "%s: discarded %llu bytes that do not form a frame", c->transport,
                    skipped);
    }
}

/* ---- connections ---- */

static void conn_readable(struct server *s, struct conn *c) {
    if (buf_reserve(&c->in, READ_CHUNK) != 0) {
        conn_lost(c, "out of memory");
        return;
    }
    ssize_t n = read(c->fd, buf_tail(&c->in), READ_CHUNK);
    if (n > 0) {
        buf_commit(&c->in, (size_t)n);
        conn_parse(s, c);
    } else if (n == 0) {
        conn_lost(c, "end of stream");
    } else if (errno != EAGAIN && errno != EINTR) {
        conn_lost(c, strerror(errno));
    }
}

static void conn_writable(struct conn *c) {
    while (c->out.len > 0 && !c->dead && c->connected) {
        ssize_t n = write(c->fd, buf_start(&c->out), c->out.len);
        if (n > 0) {
            buf_consume(&c->out, (size_t)n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else {
            conn_lost(c, n < 0 ? strerror(errno) : "write returned 0");
        }
    }
}

static struct conn *conn_new(struct server *s, int fd, enum conn_kind kind, const char *transport) {
    if (s->nconns >= MAX_CONNS) {
        log_msg(LOG_WARN, "%s: refusing a connection: %d are open already", transport, MAX_CONNS);
        close(fd);
        return NULL;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->kind = kind;
    c->transport = transport;
    c->connected = kind == CONN_STREAM;
    s->conns[s->nconns++] = c;
    return c;
}

static void accept_conn(struct server *s, int index) {
    int fd = accept4(s->listeners[index], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            log_msg(LOG_WARN, "%s: accept: %s", s->listener_names[index], strerror(errno));
        }
        return;
    }
    if (conn_new(s, fd, CONN_STREAM, s->listener_names[index]) != NULL) {
        log_msg(LOG_DEBUG, "%s: host connected", s->listener_names[index]);
    }
}

/* ---- the serial port ---- */

static void serial_open(struct server *s, const char *device) {
    int fd = transport_open_serial(device);
    if (fd < 0) {
        log_msg(LOG_WARN, "opening serial port %s: %s", device, strerror(errno));
        return;
    }
    snprintf(s->serial_device, sizeof s->serial_device, "%s", device);
    s->serial = conn_new(s, fd, CONN_SERIAL, "serial");
    if (s->serial != NULL) log_msg(LOG_INFO, "serial: listening on %s", device);
}

static void serial_search(struct server *s) {
    char device[256];
    if (s->serial != NULL || !s->cfg->serial_wanted) return;
    s->serial_search_ms += SERIAL_TICK_MS;
    if (s->serial_search_ms % SERIAL_SEARCH_MS != 0) return;
    if (transport_find_serial(s->cfg->serial_name, device, sizeof device) == 0) {
        serial_open(s, device);
        transport_notify_ready();
    } else if (s->serial_search_ms == 5000) {
        log_msg(LOG_WARN, "still no virtio port named %s", s->cfg->serial_name);
    }
}

/* A virtio port reports POLLHUP for as long as no host has it open. */
static void serial_check(struct server *s) {
    struct conn *c = s->serial;
    if (c == NULL || c->connected) return;
    struct pollfd p = {.fd = c->fd, .events = POLLIN | POLLOUT};
    if (poll(&p, 1, 0) >= 0 && !(p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
        c->connected = true;
        log_msg(LOG_INFO, "serial: host connected on %s", s->serial_device);
    }
}

/* ---- processes ---- */

static struct channel *find_by_pid(struct server *s, pid_t pid) {
    for (size_t i = 0; i < s->nconns; i++) {
        struct conn *c = s->conns[i];
        for (size_t j = 0; j < c->nchannels; j++) {
            if (!c->channels[j]->dead && c->channels[j]->pid == pid) return c->channels[j];
        }
    }
    return NULL;
}

static void reap(struct server *s) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        bool signaled = WIFSIGNALED(status);
        int value = signaled ? WTERMSIG(status) : WEXITSTATUS(status);
        if (pid == s->entrypoint) {
            log_msg(LOG_INFO, "entrypoint (pid %d) %s %d", (int)pid,
                    signaled ? "killed by signal" : "exited with status", value);
            s->entrypoint = 0;
            continue;
        }
        struct channel *ch = find_by_pid(s, pid);
        if (ch == NULL) {
            /* An orphan we inherited, or the process of a channel that was aborted. */
            log_msg(LOG_DEBUG, "pid %d %s %d", (int)pid,
                    signaled ? "killed by signal" : "exited with status", value);
            continue;
        }
        ch->exited = true;
        ch->exit_how = signaled ? EXIT_SIGNAL : EXIT_CODE;
        ch->exit_value = value;
    }
}

static void on_signal_fd(struct server *s) {
    struct signalfd_siginfo si;
    while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
            reap(s);
        } else if (s->cfg->as_init) {
            log_msg(LOG_INFO, "signal %d received as init", sig);
            power_act(sig == SIGINT ? POWER_REBOOT : POWER_OFF, true);
        } else {
            log_msg(LOG_INFO, "signal %d received, stopping", sig);
            s->stop = true;
        }
    }
}

/* ---- the loop ---- */

static int watch(struct server *s, int fd, short events, enum watch_kind kind, void *obj,
                 int index) {
    if (s->nwatch == s->capwatch) {
        size_t cap = s->capwatch ? s->capwatch * 2 : 64;
        struct pollfd *pfds = realloc(s->pfds, cap * sizeof *pfds);
        if (pfds == NULL) return -1;
        s->pfds = pfds;
        struct watch *watches = realloc(s->watches, cap * sizeof *watches);
        if (watches == NULL) return -1;
        s->watches = watches;
        s->capwatch = cap;
    }
    s->pfds[s->nwatch] = (struct pollfd){.fd = fd, .events = events};
    s->watches[s->nwatch] = (struct watch){.kind = kind, .obj = obj, .index = index};
    s->nwatch++;
    return 0;
}

static int watch_channel(struct server *s, struct channel *ch) {
    int rc = 0;
    bool room = ch->conn->out.len < OUTQ_HIGH;
    if (ch->in.fd >= 0 && (ch->connecting || (ch->in.pending.len > 0 && !ch->in.broken))) {
        rc |= watch(s, ch->in.fd, POLLOUT, W_SINK, ch, 0);
    }
    for (int i = 0; i < 2 && !ch->connecting; i++) {
        if (ch->out[i].fd >= 0 && ch->out[i].credit > 0 && room) {
            rc |= watch(s, ch->out[i].fd, POLLIN, W_SOURCE, ch, i);
        }
    }
    if (ch->status_fd >= 0) rc |= watch(s, ch->status_fd, POLLIN, W_STATUS, ch, 0);
    return rc;
}

static int build_watches(struct server *s) {
    int rc = 0;
    s->nwatch = 0;
    rc |= watch(s, s->sigfd, POLLIN, W_SIGNAL, NULL, 0);
    for (int i = 0; i < 2; i++) {
        if (s->listeners[i] >= 0) rc |= watch(s, s->listeners[i], POLLIN, W_LISTENER, NULL, i);
    }
    for (size_t i = 0; i < s->nconns; i++) {
        struct conn *c = s->conns[i];
        if (c->dead || !c->connected) continue;
        short events = (short)((c->out.len < OUTQ_LIMIT / 2 ? POLLIN : 0) |
                               (c->out.len > 0 ? POLLOUT : 0));
        rc |= watch(s, c->fd, events, W_CONN, c, 0);
        for (size_t j = 0; j < c->nchannels; j++) {
            if (!c->channels[j]->dead) rc |= watch_channel(s, c->channels[j]);
        }
    }
    return rc;
}

static void handle(struct server *s, size_t i) {
    short ev = s->pfds[i].revents;
    struct watch *w = &s->watches[i];
    struct channel *ch = w->obj;
    struct conn *c = w->obj;
    switch (w->kind) {
    case W_SIGNAL: on_signal_fd(s); break;
    case W_LISTENER: accept_conn(s, w->index); break;
    case W_CONN:
        if (c->dead || !c->connected) break;
        if (ev & POLLOUT) conn_writable(c);
        if (ev & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) conn_readable(s, c);
        break;
    case W_SINK:
        /* The descriptor must still be the one polled: a handler may have closed it. */
        if (ch->dead || ch->in.fd != s->pfds[i].fd) break;
        if (ch->connecting) dial_writable(ch);
        else sink_flush(ch);
        break;
    case W_SOURCE:
        if (!ch->dead && ch->out[w->index].fd == s->pfds[i].fd) source_readable(ch, w->index);
        break;
    case W_STATUS:
        if (!ch->dead && ch->status_fd == s->pfds[i].fd) status_readable(ch);
        break;
    }
}

static void channel_free(struct channel *ch) {
    buf_free(&ch->in.pending);
    free(ch);
}

static void sweep(struct server *s) {
    size_t kept_conns = 0;
    for (size_t i = 0; i < s->nconns; i++) {
        struct conn *c = s->conns[i];
        size_t kept = 0;
        for (size_t j = 0; j < c->nchannels; j++) {
            struct channel *ch = c->channels[j];
            if (!ch->dead) channel_check_done(ch);
            if (ch->dead) {
                channel_free(ch);
            } else {
                c->channels[kept++] = ch;
            }
        }
        c->nchannels = kept;
        if (!c->dead) conn_writable(c);
        if (c->dead) {
            for (size_t j = 0; j < c->nchannels; j++) channel_free(c->channels[j]);
            free(c->channels);
            buf_free(&c->in);
            buf_free(&c->out);
            close(c->fd);
            if (c == s->serial) s->serial = NULL;
            free(c);
        } else {
            s->conns[kept_conns++] = c;
        }
    }
    s->nconns = kept_conns;
}

static int setup_signals(struct server *s) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (s->cfg->as_init) {
        sigaddset(&set, SIGPWR);
        sigaddset(&set, SIGUSR2);
    }
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return s->sigfd < 0 ? -1 : 0;
}

static void start_entrypoint(struct server *s) {
    if (s->cfg->entrypoint_argv == NULL) return;
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    s->entrypoint = spawn_detached(s->cfg->entrypoint_argv, s->cfg->entrypoint_cwd,
                                   s->cfg->entrypoint_user, in >= 0 ? in : 0,
                                   out >= 0 ? out : 2);
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (s->entrypoint > 0) {
        log_msg(LOG_INFO, "entrypoint \"%s\" started as pid %d", s->cfg->entrypoint_argv[0],
                (int)s->entrypoint);
    }
}

static void shutdown_all(struct server *s) {
    for (size_t i = 0; i < s->nconns; i++) {
        struct conn *c = s->conns[i];
        flush_blocking(c);
        conn_reset_channels(c);
        c->dead = true;
    }
    sweep(s);
    for (int i = 0; i < 2; i++) close_fd(&s->listeners[i]);
    free(s->pfds);
    free(s->watches);
}

int server_run(const struct server_config *cfg) {
    struct server *s = calloc(1, sizeof *s);
    if (s == NULL) return 1;
    s->cfg = cfg;
    s->listeners[0] = cfg->unix_fd;
    s->listener_names[0] = "unix";
    s->listeners[1] = cfg->vsock_fd;
    s->listener_names[1] = "vsock";
    if (setup_signals(s) != 0) {
        log_msg(LOG_ERROR, "setting up signal handling: %s", strerror(errno));
        free(s);
        return 1;
    }
    if (cfg->serial_device != NULL) serial_open(s, cfg->serial_device);
    start_entrypoint(s);

    while (!s->stop) {
        serial_check(s);
        if (build_watches(s) != 0) {
            log_msg(LOG_ERROR, "out of memory building the poll set");
            break;
        }
        bool ticking = (s->serial != NULL && !s->serial->connected) ||
                       (s->serial == NULL && cfg->serial_wanted);
        int n = poll(s->pfds, s->nwatch, ticking ? SERIAL_TICK_MS : -1);
        if (n < 0 && errno != EINTR) {
            log_msg(LOG_ERROR, "poll: %s", strerror(errno));
            break;
        }
        for (size_t i = 0; n > 0 && i < s->nwatch; i++) {
            if (s->pfds[i].revents != 0) handle(s, i);
        }
        sweep(s);
        if (ticking) serial_search(s);
    }
    int code = s->exit_code;
    shutdown_all(s);
    close(s->sigfd);
    free(s);
    return code;
}
