#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bootparams.h"
#include "log.h"

#define DEVICE_WAIT_MS 5000

static void set_param(struct boot_params *p, const char *key, size_t klen, const char *val,
                      size_t vlen) {
    static const struct {
        const char *key;
        size_t offset;
        size_t size;
    } params[] = {
        {"ip", offsetof(struct boot_params, ip), sizeof((struct boot_params *)0)->ip},
        {"gw", offsetof(struct boot_params, gw), sizeof((struct boot_params *)0)->gw},
        {"dns", offsetof(struct boot_params, dns), sizeof((struct boot_params *)0)->dns},
        {"hostname", offsetof(struct boot_params, hostname),
         sizeof((struct boot_params *)0)->hostname},
        {"work", offsetof(struct boot_params, work), sizeof((struct boot_params *)0)->work},
        {"agent", offsetof(struct boot_params, agent), sizeof((struct boot_params *)0)->agent},
        {"vm", offsetof(struct boot_params, vm), sizeof((struct boot_params *)0)->vm},
        {"iface", offsetof(struct boot_params, iface), sizeof((struct boot_params *)0)->iface},
    };
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        if (strlen(params[i].key) == klen && memcmp(params[i].key, key, klen) == 0) {
            if (vlen >= params[i].size) {
                log_msg(LOG_WARN, "kernel parameter banger.%s is too long, ignored",
                        params[i].key);
                return;
            }
            char *dst = (char *)p + params[i].offset;
            memcpy(dst, val, vlen);
            dst[vlen] = '\0';
            return;
        }
    }
}

void bootparams_parse(const char *cmdline, struct boot_params *out) {
    memset(out, 0, sizeof *out);
    const char *s = cmdline;
    while (*s != '\0') {
        while (*s == ' ' || *s == '\t' || *s == '\n') s++;
        if (*s == '\0') break;
        /* A parameter runs to the next blank outside double quotes, as the kernel reads it. */
        char word[1024];
        size_t n = 0;
        bool quoted = false;
        for (; *s != '\0' && (quoted || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
            if (*s == '"') {
                quoted = !quoted;
            } else if (n < sizeof word - 1) {
                word[n++] = *s;
            }
        }
        word[n] = '\0';
        if (strncmp(word, "banger.", 7) != 0) continue;
        const char *key = word + 7;
        const char *eq = strchr(key, '=');
        if (eq == NULL) continue;
        set_param(out, key, (size_t)(eq - key), eq + 1, strlen(eq + 1));
    }
}

int bootparams_read(const char *path, struct boot_params *out) {
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) return -1;
    buf[n] = '\0';
    bootparams_parse(buf, out);
    return 0;
}

int parse_cidr(const char *text, uint32_t *addr, int *prefix) {
    char ip[64];
    const char *slash = strchr(text, '/');
    if (slash == NULL || (size_t)(slash - text) >= sizeof ip) return -1;
    memcpy(ip, text, (size_t)(slash - text));
    ip[slash - text] = '\0';
    struct in_addr a;
    if (inet_pton(AF_INET, ip, &a) != 1) return -1;
    char *end;
    long len = strtol(slash + 1, &end, 10);
    if (slash[1] == '\0' || *end != '\0' || len < 0 || len > 32) return -1;
    *addr = a.s_addr;
    *prefix = (int)len;
    return 0;
}

int render_resolv(const char *dns, char *out, size_t cap) {
    size_t len = (size_t)snprintf(out, cap, "# written by banger-vsock-agent from banger.dns\n");
    const char *p = dns;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char ip[64];
        unsigned char probe[16];
        if (n == 0 || n >= sizeof ip) return -1;
        memcpy(ip, p, n);
        ip[n] = '\0';
        if (inet_pton(AF_INET, ip, probe) != 1 && inet_pton(AF_INET6, ip, probe) != 1) return -1;
        int w = snprintf(out + len, len < cap ? cap - len : 0, "nameserver %s\n", ip);
        len += (size_t)w;
        if (len >= cap) return -1;
        p += n + (comma ? 1 : 0);
    }
    return 0;
}

int render_hosts(const char *old, const char *hostname, char *out, size_t cap) {
    size_t len = 0;
    bool have_localhost = false;
    const char *line = old ? old : "";
    out[0] = '\0';
    while (*line != '\0') {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        bool ours = n >= 9 && strncmp(line, "127.0.1.1", 9) == 0 &&
                    (n == 9 || line[9] == ' ' || line[9] == '\t');
        if (n >= 9 && strncmp(line, "127.0.0.1", 9) == 0) have_localhost = true;
        if (!ours) {
            if (len + n + 2 > cap) return -1;
            memcpy(out + len, line, n);
            len += n;
            out[len++] = '\n';
        }
        line += n + (nl ? 1 : 0);
    }
    int w = snprintf(out + len, cap - len, "%s127.0.1.1\t%s\n",
                     have_localhost ? "" : "127.0.0.1\tlocalhost\n", hostname);
    return (w < 0 || (size_t)w >= cap - len) ? -1 : 0;
}

static int write_file_atomic(const char *dir, const char *name, const char *content) {
    char path[512], temp[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(temp, sizeof temp, "%s/.%s.banger", dir, name);
    int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    size_t len = strlen(content);
    ssize_t w = write(fd, content, len);
    int rc = (w == (ssize_t)len && close(fd) == 0) ? 0 : -1;
    if (rc != 0 || rename(temp, path) != 0) {
        int e = errno;
        unlink(temp);
        errno = e;
        return -1;
    }
    return 0;
}

static char *read_small_file(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    char *buf = malloc(65536);
    ssize_t n = buf ? read(fd, buf, 65535) : -1;
    close(fd);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static void apply_hostname(const char *name, const char *etc) {
    if (sethostname(name, strlen(name)) != 0) {
        log_msg(LOG_WARN, "setting hostname \"%s\": %s", name, strerror(errno));
    }
    char line[300];
    snprintf(line, sizeof line, "%s\n", name);
    if (write_file_atomic(etc, "hostname", line) != 0) {
        log_msg(LOG_WARN, "writing %s/hostname: %s", etc, strerror(errno));
    }
    char path[300];
    snprintf(path, sizeof path, "%s/hosts", etc);
    char *old = read_small_file(path);
    char *hosts = malloc(70000);
    if (hosts != NULL && render_hosts(old, name, hosts, 70000) == 0 &&
        write_file_atomic(etc, "hosts", hosts) != 0) {
        log_msg(LOG_WARN, "writing %s: %s", path, strerror(errno));
    }
    free(old);
    free(hosts);
}

static void apply_dns(const char *dns, const char *etc) {
    char content[2048];
    if (render_resolv(dns, content, sizeof content) != 0) {
        log_msg(LOG_WARN, "banger.dns=%s is not a list of addresses, ignored", dns);
        return;
    }
    if (write_file_atomic(etc, "resolv.conf", content) != 0) {
        log_msg(LOG_WARN, "writing %s/resolv.conf: %s", etc, strerror(errno));
    }
}

static void sleep_ms(long ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* eth0 when it exists, otherwise the first interface that is not loopback. */
static int find_iface(const char *wanted, char *out, size_t cap) {
    for (int waited = 0; waited <= DEVICE_WAIT_MS; waited += 100) {
        if (wanted[0] != '\0') {
            if (if_nametoindex(wanted) != 0) {
                snprintf(out, cap, "%s", wanted);
                return 0;
            }
        } else {
            if (if_nametoindex("eth0") != 0) {
                snprintf(out, cap, "eth0");
                return 0;
            }
            struct if_nameindex *all = if_nameindex();
            for (struct if_nameindex *i = all; i != NULL && i->if_index != 0; i++) {
                if (strcmp(i->if_name, "lo") != 0) {
                    snprintf(out, cap, "%s", i->if_name);
                    if_freenameindex(all);
                    return 0;
                }
            }
            if (all != NULL) if_freenameindex(all);
        }
        sleep_ms(100);
    }
    return -1;
}

static int set_up(int sock, const char *name) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) return -1;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

static int set_addr(int sock, const char *name, unsigned long request, uint32_t addr) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = addr;
    return ioctl(sock, request, &ifr);
}

static int add_default_route(int sock, const char *name, uint32_t gw) {
    struct rtentry rt;
    char dev[IFNAMSIZ];
    memset(&rt, 0, sizeof rt);
    snprintf(dev, sizeof dev, "%s", name);
    struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
    struct sockaddr_in *mask = (struct sockaddr_in *)&rt.rt_genmask;
    struct sockaddr_in *via = (struct sockaddr_in *)&rt.rt_gateway;
    dst->sin_family = mask->sin_family = via->sin_family = AF_INET;
    via->sin_addr.s_addr = gw;
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    rt.rt_dev = dev;
    if (ioctl(sock, SIOCADDRT, &rt) != 0 && errno != EEXIST) return -1;
    return 0;
}

static void apply_network(const struct boot_params *p) {
    uint32_t addr = 0, gw = 0;
    int prefix = 0;
    if (p->ip[0] != '\0' && parse_cidr(p->ip, &addr, &prefix) != 0) {
        log_msg(LOG_WARN, "banger.ip=%s is not ADDR/PREFIX, network left alone", p->ip);
        return;
    }
    if (p->gw[0] != '\0' && inet_pton(AF_INET, p->gw, &gw) != 1) {
        log_msg(LOG_WARN, "banger.gw=%s is not an IPv4 address, ignored", p->gw);
        gw = 0;
    }
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        log_msg(LOG_WARN, "configuring the network: socket: %s", strerror(errno));
        return;
    }
    if (set_up(sock, "lo") != 0) log_msg(LOG_WARN, "bringing up lo: %s", strerror(errno));
    char iface[IFNAMSIZ];
    if (find_iface(p->iface, iface, sizeof iface) != 0) {
        log_msg(LOG_WARN, "no network interface%s%s appeared within %d ms", p->iface[0] ? " " : "",
                p->iface, DEVICE_WAIT_MS);
        close(sock);
        return;
    }
    uint32_t mask = prefix == 0 ? 0 : htonl(0xFFFFFFFFu << (32 - prefix));
    if (set_addr(sock, iface, SIOCSIFADDR, addr) != 0 ||
        set_addr(sock, iface, SIOCSIFNETMASK, mask) != 0 || set_up(sock, iface) != 0) {
        log_msg(LOG_WARN, "setting %s on %s: %s", p->ip, iface, strerror(errno));
    } else if (gw != 0 && add_default_route(sock, iface, gw) != 0) {
        log_msg(LOG_WARN, "adding default route via %s on %s: %s", p->gw, iface, strerror(errno));
    } else {
        log_msg(LOG_INFO, "network: %s on %s, gateway %s", p->ip, iface, gw ? p->gw : "none");
    }
    close(sock);
}

static void mount_work(const char *device) {
    static const char *const types[] = {"ext4", "xfs", "btrfs"};
    struct stat st;
    int waited = 0;
    while (stat(device, &st) != 0 && waited < DEVICE_WAIT_MS) {
        sleep_ms(100);
        waited += 100;
    }
    if (stat(device, &st) != 0) {
        log_msg(LOG_INFO, "work disk %s not present, /work not mounted", device);
        return;
    }
    mkdir("/work", 0755);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (mount(device, "/work", types[i], 0, NULL) == 0) {
            log_msg(LOG_INFO, "mounted work disk %s (%s) at /work", device, types[i]);
            return;
        }
        if (errno == EBUSY) return; /* already mounted, by fstab for example */
    }
    log_msg(LOG_WARN, "mounting work disk %s at /work: %s", device, strerror(errno));
}

void bootparams_apply(const struct boot_params *p, const char *etc_dir) {
    if (p->hostname[0] != '\0') apply_hostname(p->hostname, etc_dir);
    if (p->ip[0] != '\0') apply_network(p);
    if (p->dns[0] != '\0') apply_dns(p->dns, etc_dir);
    if (p->work[0] != '\0') mount_work(p->work);
}
