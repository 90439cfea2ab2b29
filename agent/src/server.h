/* The agent's event loop: listeners, host connections, and the channels multiplexed over
 * each connection. Single-threaded; every descriptor is non-blocking. */
#ifndef BANGER_SERVER_H
#define BANGER_SERVER_H

#include <stdbool.h>

enum power_mode { POWER_MODE_SYSTEM, POWER_MODE_EXIT, POWER_MODE_DENY };

struct server_config {
    int unix_fd;              /* listening Unix socket, or -1 */
    int vsock_fd;             /* listening AF_VSOCK socket, or -1 */
    const char *serial_device; /* virtio port to open (and reopen), or NULL */
    bool serial_wanted;       /* keep looking for the port until it appears */
    const char *serial_name;
    enum power_mode power;
    bool as_init;
    char **entrypoint_argv;   /* init mode: started once the loop runs; may be NULL */
    const char *entrypoint_cwd;
    const char *entrypoint_user;
};

/* Runs until a power request in exit mode or SIGTERM/SIGINT (outside init mode); returns the
 * process exit code. */
int server_run(const struct server_config *cfg);

#endif
