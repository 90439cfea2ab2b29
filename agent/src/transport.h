/* Where the agent listens: AF_VSOCK, the virtio serial port named banger.agent, or a Unix
 * socket for tests on the host. */
#ifndef BANGER_TRANSPORT_H
#define BANGER_TRANSPORT_H

#include <stddef.h>

int transport_listen_unix(const char *path);
int transport_listen_vsock(unsigned port);
/* Finds the virtio port with the given name under /sys/class/virtio-ports, creating its
 * device node if devtmpfs did not; writes its path into device. Returns -1 if absent. */
int transport_find_serial(const char *name, char *device, size_t cap);
int transport_open_serial(const char *device);
/* Tells systemd (Type=notify) that the agent is ready, when NOTIFY_SOCKET is set. */
void transport_notify_ready(void);

#endif
