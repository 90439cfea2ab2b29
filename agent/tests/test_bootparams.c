/* Kernel command-line parameters and the files rendered from them. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bootparams.h"
#include "harness.h"

TEST(bangerParametersAreReadAndOthersIgnored) {
    struct boot_params p;
    bootparams_parse("console=ttyS0 root=/dev/vda banger.ip=172.30.0.5/24 "
                     "banger.gw=172.30.0.1 banger.dns=1.1.1.1,9.9.9.9 "
                     "banger.hostname=brave-otter banger.agent=serial banger.vm=\"vm 1\" "
                     "banger.unknown=x banger.work=/dev/vdb\n",
                     &p);
    CHECK_STR(p.ip, "172.30.0.5/24");
    CHECK_STR(p.gw, "172.30.0.1");
    CHECK_STR(p.dns, "1.1.1.1,9.9.9.9");
    CHECK_STR(p.hostname, "brave-otter");
    CHECK_STR(p.agent, "serial");
    CHECK_STR(p.vm, "vm 1");
    CHECK_STR(p.work, "/dev/vdb");
    CHECK_STR(p.iface, "");
}

TEST(overlongParameterIsDroppedRatherThanTruncated) {
    char cmdline[600] = "banger.hostname=";
    memset(cmdline + 16, 'h', 400);
    struct boot_params p;
    bootparams_parse(cmdline, &p);
    CHECK_STR(p.hostname, "");
}

TEST(cidrParsesAddressAndPrefixAndRefusesNonsense) {
    uint32_t addr;
    int prefix;
    CHECK(parse_cidr("10.0.2.15/24", &addr, &prefix) == 0);
    CHECK(addr == inet_addr("10.0.2.15") && prefix == 24);
    CHECK(parse_cidr("10.0.2.15", &addr, &prefix) == -1);
    CHECK(parse_cidr("10.0.2.15/33", &addr, &prefix) == -1);
    CHECK(parse_cidr("10.0.2/24", &addr, &prefix) == -1);
    CHECK(parse_cidr("10.0.2.15/", &addr, &prefix) == -1);
}

TEST(resolvConfListsEveryResolverAndRefusesAHostname) {
    char out[512];
    CHECK(render_resolv("10.0.2.3,2001:db8::1", out, sizeof out) == 0);
    CHECK(strstr(out, "nameserver 10.0.2.3\nnameserver 2001:db8::1\n") != NULL);
    CHECK(render_resolv("dns.example", out, sizeof out) == -1);
    CHECK(render_resolv("1.1.1.1,,", out, sizeof out) == -1);
}

TEST(hostsFileGetsOneLineForTheHostnameAndKeepsTheRest) {
    char out[512];
    CHECK(render_hosts("127.0.0.1\tlocalhost\n127.0.1.1\told-name\n::1 ip6-localhost\n",
                       "brave-otter", out, sizeof out) == 0);
    CHECK_STR(out, "127.0.0.1\tlocalhost\n::1 ip6-localhost\n127.0.1.1\tbrave-otter\n");
    CHECK(render_hosts(NULL, "h", out, sizeof out) == 0);
    CHECK_STR(out, "127.0.0.1\tlocalhost\n127.0.1.1\th\n");
}

TEST(applyingDnsWritesResolvConfIntoTheGivenEtc) {
    struct boot_params p;
    bootparams_parse("banger.dns=10.0.2.3", &p);
    bootparams_apply(&p, harness_temp_dir());
    char path[512], text[256];
    snprintf(path, sizeof path, "%s/resolv.conf", harness_temp_dir());
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    CHECK(n > 0);
    text[n] = '\0';
    CHECK(strstr(text, "nameserver 10.0.2.3\n") != NULL);
}
