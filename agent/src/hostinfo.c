#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hostinfo.h"

static uint64_t ms(const struct timespec *ts) {
    return (uint64_t)ts->tv_sec * 1000u + (uint64_t)ts->tv_nsec / 1000000u;
}

void hostinfo_read(struct host_facts *out) {
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(out->kernel, sizeof out->kernel, "%s %s %s", u.sysname, u.release, u.machine);
    } else {
        snprintf(out->kernel, sizeof out->kernel, "unknown");
    }
    if (gethostname(out->hostname, sizeof out->hostname) != 0) out->hostname[0] = '\0';
    out->hostname[sizeof out->hostname - 1] = '\0';
    struct timespec now, boot;
    clock_gettime(CLOCK_REALTIME, &now);
    clock_gettime(CLOCK_BOOTTIME, &boot);
    out->uptime_ms = ms(&boot);
    out->boot_time_ms = ms(&now) - out->uptime_ms;
}
