/* What HELLO tells the host about this guest. */
#ifndef BANGER_HOSTINFO_H
#define BANGER_HOSTINFO_H

#include <stddef.h>
#include <stdint.h>

struct host_facts {
    char kernel[256];
    char hostname[256];
    uint64_t boot_time_ms; /* wall-clock time of boot, ms since the epoch */
    uint64_t uptime_ms;
};

void hostinfo_read(struct host_facts *out);

#endif
