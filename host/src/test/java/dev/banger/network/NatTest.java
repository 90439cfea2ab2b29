package dev.banger.network;

import static dev.banger.network.NamespaceTests.assumeNetAdmin;
import static dev.banger.network.NamespaceTests.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.hostos.CommandRunner;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class NatTest {
  private final Subnet subnet = Subnet.parse("172.30.0.0/24");

  @BeforeEach
  void needsNetAdminAndNft() {
    assumeNetAdmin();
  }

  @Test
  void ensureMasqueradesTheSubnetOutOfTheDefaultRouteInterface() throws Exception {
    assumeTrue(CommandRunner.onPath("nft"), "needs nft (Debian package nftables)");
    try (NetworkNamespace host = NetworkNamespace.create();
        NetworkNamespace outside = NetworkNamespace.create()) {
      host.addUplinkTo(outside);
      new Bridge(host.runner(), "banger0").ensure(subnet);
      Nat nat = new Nat(host.runner(), NatBackend.NFTABLES);

      String uplink = nat.ensure(subnet, "banger0");

      assertThat(uplink).isEqualTo("up0");
      List<String> rules = ruleTexts(host);
      assertThat(rules)
          .anySatisfy(
              r ->
                  assertThat(r)
                      .contains("\"saddr\"", "\"addr\":\"172.30.0.0\"", "\"len\":24")
                      .contains("\"oifname\"", "\"right\":\"up0\"", "masquerade"));
      assertThat(rules).anySatisfy(r -> assertThat(r).contains("banger0", "up0", "accept"));
      assertThat(host.exec("sysctl", "-n", "net.ipv4.ip_forward").strip()).isEqualTo("1");
    }
  }

  @Test
  void ensureTwiceLeavesOneSetOfRulesAndRemoveDeletesThem() throws Exception {
    assumeTrue(CommandRunner.onPath("nft"), "needs nft (Debian package nftables)");
    try (NetworkNamespace host = NetworkNamespace.create();
        NetworkNamespace outside = NetworkNamespace.create()) {
      host.addUplinkTo(outside);
      Nat nat = new Nat(host.runner(), NatBackend.NFTABLES);

      nat.ensure(subnet, "banger0");
      nat.ensure(subnet, "banger0");
      assertThat(ruleTexts(host)).hasSize(3);

      nat.remove();
      nat.remove();
      assertThat(host.runner().run(List.of("nft", "list", "table", "ip", "banger")).succeeded())
          .isFalse();
    }
  }

  @Test
  void hostWithoutDefaultRouteIsReportedBeforeAnyRuleIsAdded() throws Exception {
    assumeTrue(CommandRunner.onPath("nft"), "needs nft (Debian package nftables)");
    try (NetworkNamespace host = NetworkNamespace.create()) {
      Nat nat = new Nat(host.runner(), NatBackend.NFTABLES);

      assertThatThrownBy(() -> nat.ensure(subnet, "banger0"))
          .isInstanceOf(NetworkException.class)
          .hasMessageContaining("no default IPv4 route")
          .hasMessageContaining("172.30.0.0/24");
      assertThat(host.exec("nft", "list", "ruleset")).doesNotContain("banger");
    }
  }

  @Test
  void guestBehindTheBridgeReachesTheOutsideOnlyThroughNat() throws Exception {
    assumeTrue(CommandRunner.onPath("nft"), "needs nft (Debian package nftables)");
    assumeTrue(CommandRunner.onPath("busybox"), "needs busybox (Debian package busybox-static)");
    try (NetworkNamespace host = NetworkNamespace.create();
        NetworkNamespace outside = NetworkNamespace.create();
        NetworkNamespace guest = NetworkNamespace.create()) {
      host.addUplinkTo(outside);
      new Bridge(host.runner(), "banger0").ensure(subnet);
      // A veth end stands in for the VM's NIC: a TAP has no carrier without a VMM behind it.
      host.exec(
          "ip",
          "link",
          "add",
          "vm0",
          "type",
          "veth",
          "peer",
          "name",
          "eth0",
          "netns",
          guest.name());
      host.exec("ip", "link", "set", "vm0", "master", "banger0");
      host.exec("ip", "link", "set", "vm0", "up");
      guest.exec("ip", "addr", "add", "172.30.0.2/24", "dev", "eth0");
      guest.exec("ip", "link", "set", "eth0", "up");
      guest.exec("ip", "route", "add", "default", "via", "172.30.0.1");
      Nat nat = new Nat(host.runner(), NatBackend.NFTABLES);
      List<String> ping = List.of("busybox", "ping", "-c", "1", "-W", "3", "198.51.100.1");

      nat.ensure(subnet, "banger0");
      boolean reachedWithNat = guest.runner().run(ping).succeeded();
      nat.remove();
      // The outside has no route back to 172.30.0.0/24: without masquerade replies are lost.
      boolean reachedWithoutNat = guest.runner().run(ping).succeeded();

      assertThat(reachedWithNat).isTrue();
      assertThat(reachedWithoutNat).isFalse();
    }
  }

  @Test
  void iptablesFallbackAddsTaggedRulesOnceAndRemovesThem() throws Exception {
    assumeTrue(CommandRunner.onPath("iptables"), "needs iptables (Debian package iptables)");
    try (NetworkNamespace host = NetworkNamespace.create();
        NetworkNamespace outside = NetworkNamespace.create()) {
      host.addUplinkTo(outside);
      Nat nat = new Nat(host.runner(), NatBackend.IPTABLES);

      nat.ensure(subnet, "banger0");
      nat.ensure(subnet, "banger0");
      String natRules = host.exec("iptables", "-t", "nat", "-S", "POSTROUTING");
      String forwardRules = host.exec("iptables", "-t", "filter", "-S", "FORWARD");

      assertThat(natRules.lines().filter(l -> l.contains("--comment banger")))
          .containsExactly(
              "-A POSTROUTING -s 172.30.0.0/24 -o up0 -m comment --comment banger -j MASQUERADE");
      assertThat(forwardRules.lines().filter(l -> l.contains("--comment banger"))).hasSize(2);

      nat.remove();
      assertThat(host.exec("iptables", "-t", "nat", "-S")).doesNotContain("banger");
      assertThat(host.exec("iptables", "-t", "filter", "-S")).doesNotContain("banger");
    }
  }

  private static List<String> ruleTexts(NetworkNamespace ns) throws Exception {
    JsonNode listing = json(ns.exec("nft", "-j", "list", "table", "ip", "banger"));
    return listing
        .path("nftables")
        .valueStream()
        .filter(entry -> entry.has("rule"))
        .map(entry -> entry.path("rule").path("expr").toString())
        .toList();
  }
}
