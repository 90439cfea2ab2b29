/* The banger.* kernel command-line parameters (docs/guest-boot-contract.md) and applying
 * them: address, gateway, resolvers, hostname and the work disk. */
#ifndef BANGER_BOOTPARAMS_H
#define BANGER_BOOTPARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_params {
    char ip[64];        /* ADDR/PREFIX */
    char gw[64];
    char dns[256];      /* ADDR[,ADDR] */
    char hostname[254];
    char work[256];     /* block device of the work disk */
    char agent[16];     /* "serial" or "vsock" */
    char vm[128];
    char iface[16];     /* banger.iface, default: eth0 or the first ethernet interface */
};

/* Parses the banger.* parameters out of a kernel command line; others are ignored. */
void bootparams_parse(const char *cmdline, struct boot_params *out);
int bootparams_read(const char *path, struct boot_params *out);

/* Parses "a.b.c.d/len" into a network-order address and a prefix length. */
int parse_cidr(const char *text, uint32_t *addr, int *prefix);
/* Renders resolv.conf for a comma-separated resolver list; returns -1 if one is invalid. */
int render_resolv(const char *dns, char *out, size_t cap);
/* Rewrites an /etc/hosts text so that 127.0.1.1 names the host; old may be NULL. */
int render_hosts(const char *old, const char *hostname, char *out, size_t cap);

/* Applies every parameter that is present; failures are logged, never fatal. */
void bootparams_apply(const struct boot_params *p, const char *etc_dir);

#endif
