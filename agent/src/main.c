/* banger-vsock-agent: command line, start-up order, and the choice of transports. The flags
 * are documented at the top of agent/README.md. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bootparams.h"
#include "init.h"
#include "log.h"
#include "proto.h"
#include "server.h"
#include "spawn.h"
#include "transport.h"

#ifndef AGENT_VERSION
#define AGENT_VERSION "dev"
#endif

enum transport_choice { TR_AUTO, TR_VSOCK, TR_SERIAL, TR_UNIX };

struct options {
    enum transport_choice transport;
    unsigned port;
    const char *socket_path;
    const char *serial_device;
    const char *serial_name;
    bool init;
    bool netconf;
    const char *cmdline_path;
    const char *etc_dir;
    const char *entrypoint_file;
    int power; /* -1: the transport's default */
    char **entrypoint;
};

static const char usage[] =
    "usage: banger-vsock-agent [--transport auto|vsock|serial|unix] [--port N]\n"
    "         [--socket PATH] [--serial-device PATH] [--serial-name NAME] [--init]\n"
    "         [--entrypoint-file PATH] [--no-netconf] [--cmdline PATH] [--etc DIR]\n"
    "         [--power system|exit|deny] [--log-level error|warn|info|debug]\n"
    "         [--version] [--help] [-- ENTRYPOINT [ARG...]]\n"
    "See agent/README.md for what each flag does.\n";

static int bad_usage(const char *what, const char *arg) {
    fprintf(stderr, "banger-vsock-agent: %s: %s\n%s", what, arg, usage);
    return 2;
}

static int parse_transport(const char *v, enum transport_choice *out) {
    static const char *const names[] = {"auto", "vsock", "serial", "unix"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = (enum transport_choice)i;
            return 0;
        }
    }
    return -1;
}

static int parse_power(const char *v, int *out) {
    if (strcmp(v, "system") == 0) *out = POWER_MODE_SYSTEM;
    else if (strcmp(v, "exit") == 0) *out = POWER_MODE_EXIT;
    else if (strcmp(v, "deny") == 0) *out = POWER_MODE_DENY;
    else return -1;
    return 0;
}

static int parse_port(const char *v, unsigned *out) {
    char *end;
    unsigned long p = strtoul(v, &end, 10);
    if (*v == '\0' || *end != '\0' || p == 0 || p > 0xFFFFFFFEul) return -1;
    *out = (unsigned)p;
    return 0;
}

/* Returns -1 to continue, or an exit code. */
static int parse_args(int argc, char **argv, struct options *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (strcmp(a, "--") == 0) {
            o->entrypoint = i + 1 < argc ? argv + i + 1 : NULL;
            return -1;
        } else if (strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("banger-vsock-agent %s (protocol %u)\n", AGENT_VERSION, PROTO_VERSION);
            return 0;
        } else if (strcmp(a, "--init") == 0) {
            o->init = true;
            takes = false;
        } else if (strcmp(a, "--no-netconf") == 0) {
            o->netconf = false;
            takes = false;
        } else if (v == NULL) {
            return bad_usage("missing value or unknown option", a);
        } else if (strcmp(a, "--transport") == 0) {
            if (parse_transport(v, &o->transport) != 0) return bad_usage("bad transport", v);
        } else if (strcmp(a, "--port") == 0) {
            if (parse_port(v, &o->port) != 0) return bad_usage("bad port", v);
        } else if (strcmp(a, "--socket") == 0) {
            o->socket_path = v;
        } else if (strcmp(a, "--serial-device") == 0) {
            o->serial_device = v;
        } else if (strcmp(a, "--serial-name") == 0) {
            o->serial_name = v;
        } else if (strcmp(a, "--cmdline") == 0) {
            o->cmdline_path = v;
        } else if (strcmp(a, "--etc") == 0) {
            o->etc_dir = v;
        } else if (strcmp(a, "--entrypoint-file") == 0) {
            o->entrypoint_file = v;
        } else if (strcmp(a, "--power") == 0) {
            if (parse_power(v, &o->power) != 0) return bad_usage("bad power mode", v);
        } else if (strcmp(a, "--log-level") == 0) {
            enum log_level level;
            if (log_parse_level(v, &level) != 0) return bad_usage("bad log level", v);
            log_set_level(level);
        } else {
            return bad_usage("unknown option", a);
        }
        if (takes) i++;
    }
    return -1;
}

static void raise_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* PID 1 may start without descriptors 0-2 when the initramfs has no /dev/console. */
static void ensure_stdio(void) {
    if (fcntl(2, F_GETFD) >= 0) return;
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0) fd = open("/dev/null", O_RDWR);
    for (int target = 0; fd >= 0 && target < 3; target++) {
        if (fcntl(target, F_GETFD) < 0) dup2(fd, target);
    }
    if (fd > 2) close(fd);
}

static int open_unix(const struct options *o, struct server_config *cfg) {
    if (o->socket_path == NULL) {
        log_msg(LOG_ERROR, "--transport unix needs --socket PATH");
        return -1;
    }
    cfg->unix_fd = transport_listen_unix(o->socket_path);
    if (cfg->unix_fd < 0) {
        log_msg(LOG_ERROR, "listening on unix socket %s: %s", o->socket_path, strerror(errno));
        return -1;
    }
    log_msg(LOG_INFO, "unix: listening on %s", o->socket_path);
    return 0;
}

static int open_vsock(const struct options *o, struct server_config *cfg, bool required) {
    cfg->vsock_fd = transport_listen_vsock(o->port);
    if (cfg->vsock_fd < 0) {
        log_msg(required ? LOG_ERROR : LOG_INFO, "listening on vsock port %u: %s", o->port,
                strerror(errno));
        return -1;
    }
    log_msg(LOG_INFO, "vsock: listening on port %u", o->port);
    return 0;
}

static void find_serial(const struct options *o, struct server_config *cfg, char *device,
                        size_t cap) {
    if (o->serial_device != NULL) {
        cfg->serial_device = o->serial_device;
    } else if (transport_find_serial(o->serial_name, device, cap) == 0) {
        cfg->serial_device = device;
    } else {
        cfg->serial_wanted = true; /* the module may load later: keep looking */
        log_msg(LOG_INFO, "no virtio port named %s yet, waiting for it", o->serial_name);
    }
}

/* auto: banger.agent on the kernel command line decides; without it, every transport this
 * guest offers is served. */
static int open_transports(const struct options *o, const struct boot_params *bp,
                           struct server_config *cfg, char *device, size_t cap) {
    enum transport_choice t = o->transport;
    if (t == TR_AUTO && strcmp(bp->agent, "serial") == 0) t = TR_SERIAL;
    if (t == TR_AUTO && strcmp(bp->agent, "vsock") == 0) t = TR_VSOCK;
    switch (t) {
    case TR_UNIX: return open_unix(o, cfg);
    case TR_VSOCK: return open_vsock(o, cfg, true);
    case TR_SERIAL: find_serial(o, cfg, device, cap); return 0;
    case TR_AUTO:
        break;
    }
    bool vsock = open_vsock(o, cfg, false) == 0;
    if (o->serial_device != NULL || transport_find_serial(o->serial_name, device, cap) == 0) {
        cfg->serial_device = o->serial_device ? o->serial_device : device;
    } else if (!vsock) {
        cfg->serial_wanted = true;
        log_msg(LOG_INFO, "neither vsock nor a virtio port named %s yet, waiting",
                o->serial_name);
    }
    return 0;
}

static void load_entrypoint(const struct options *o, struct server_config *cfg,
                            struct entrypoint *ep) {
    if (o->entrypoint != NULL) {
        cfg->entrypoint_argv = o->entrypoint;
        return;
    }
    if (entrypoint_load(o->entrypoint_file, ep) == 0) {
        cfg->entrypoint_argv = ep->argv;
        cfg->entrypoint_cwd = ep->cwd;
        cfg->entrypoint_user = ep->user;
        spawn_set_base_env(ep->env);
    }
}

int main(int argc, char **argv) {
    struct options o = {.transport = TR_AUTO,
                        .port = AGENT_VSOCK_PORT,
                        .serial_name = "banger.agent",
                        .netconf = true,
                        .cmdline_path = "/proc/cmdline",
                        .etc_dir = "/etc",
                        .entrypoint_file = ENTRYPOINT_FILE,
                        .power = -1};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;
    bool as_init = o.init || getpid() == 1;

    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    if (as_init) {
        init_mount_basics();
        ensure_stdio();
    }
    log_msg(LOG_INFO, "banger-vsock-agent %s starting%s", AGENT_VERSION, as_init ? " as init" : "");

    struct boot_params bp;
    if (bootparams_read(o.cmdline_path, &bp) != 0) {
        log_msg(LOG_WARN, "reading %s: %s", o.cmdline_path, strerror(errno));
        memset(&bp, 0, sizeof bp);
    }
    if (o.netconf) bootparams_apply(&bp, o.etc_dir);

    struct server_config cfg = {.unix_fd = -1,
                                .vsock_fd = -1,
                                .serial_name = o.serial_name,
                                .as_init = as_init};
    cfg.power = o.power >= 0 ? (enum power_mode)o.power
                             : (o.transport == TR_UNIX ? POWER_MODE_DENY : POWER_MODE_SYSTEM);
    char device[256];
    if (open_transports(&o, &bp, &cfg, device, sizeof device) != 0) return 1;
    if (cfg.unix_fd >= 0 || cfg.vsock_fd >= 0 || cfg.serial_device != NULL) {
        transport_notify_ready();
    }

    struct entrypoint ep = {0};
    if (as_init) load_entrypoint(&o, &cfg, &ep);
    return server_run(&cfg);
}
