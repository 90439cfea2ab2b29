#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "transport.h"

/* Declared here because musl ships no kernel headers; the layout is the kernel's ABI. */
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define VMADDR_CID_ANY 0xFFFFFFFFu

struct sockaddr_vm {
    sa_family_t svm_family;
    unsigned short svm_reserved1;
    unsigned int svm_port;
    unsigned int svm_cid;
    unsigned char svm_zero[sizeof(struct sockaddr) - sizeof(sa_family_t) -
                           sizeof(unsigned short) - 2 * sizeof(unsigned int)];
};

int transport_listen_unix(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        log_msg(LOG_ERROR, "unix socket path \"%s\" is too long", path);
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    unlink(path); /* a stale socket from an earlier run would make bind fail */
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || chmod(path, 0600) != 0 ||
        listen(fd, 64) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int transport_listen_vsock(unsigned port) {
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    struct sockaddr_vm addr;
    memset(&addr, 0, sizeof addr);
    addr.svm_family = AF_VSOCK;
    addr.svm_port = port;
    addr.svm_cid = VMADDR_CID_ANY;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int read_line(const char *path, char *out, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, out, cap - 1);
    close(fd);
    if (n < 0) return -1;
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' ')) n--;
    out[n] = '\0';
    return 0;
}

static int ensure_node(const char *port, const char *device) {
    struct stat st;
    if (stat(device, &st) == 0) return 0;
    char path[300], dev[32];
    unsigned maj, min;
    snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/dev", port);
    if (read_line(path, dev, sizeof dev) != 0 || sscanf(dev, "%u:%u", &maj, &min) != 2) {
        return -1;
    }
    return mknod(device, S_IFCHR | 0600, makedev(maj, min));
}

int transport_find_serial(const char *name, char *device, size_t cap) {
    DIR *d = opendir("/sys/class/virtio-ports");
    if (d == NULL) return -1;
    struct dirent *de;
    int rc = -1;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        char path[300], found[128];
        snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", de->d_name);
        if (read_line(path, found, sizeof found) != 0 || strcmp(found, name) != 0) continue;
        snprintf(device, cap, "/dev/%s", de->d_name);
        rc = ensure_node(de->d_name, device);
        if (rc != 0) log_msg(LOG_WARN, "creating device node %s: %s", device, strerror(errno));
        break;
    }
    closedir(d);
    return rc;
}

int transport_open_serial(const char *device) {
    return open(device, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
}

void transport_notify_ready(void) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || path[0] == '\0') return;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof addr.sun_path) return;
    memcpy(addr.sun_path, path, len);
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0'; /* abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    static const char msg[] = "READY=1\nSTATUS=listening";
    if (sendto(fd, msg, sizeof msg - 1, 0, (struct sockaddr *)&addr,
               (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
        log_msg(LOG_WARN, "notifying systemd at %s: %s", path, strerror(errno));
    }
    close(fd);
}
