package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NatRulesTest {
  private final Subnet subnet = Subnet.parse("172.30.0.0/24");

  @Test
  void nftScriptReplacesTheBangerTableWithMasqueradeAndForwarding() {
    String script = NatRules.nftRuleset(subnet, "banger0", "eth0");

    assertThat(script)
        .startsWith("table ip banger {}\ndelete table ip banger\ntable ip banger {")
        .contains("type nat hook postrouting priority srcnat; policy accept;")
        .contains("ip saddr 172.30.0.0/24 oifname \"eth0\" masquerade")
        .contains("iifname \"banger0\" oifname \"eth0\" accept")
        .contains("iifname \"eth0\" oifname \"banger0\" ct state established,related accept");
  }

  @Test
  void nftRemovalWorksWhetherOrNotTheTableExists() {
    assertThat(NatRules.nftRemoval()).isEqualTo("table ip banger {}\ndelete table ip banger\n");
  }

  @Test
  void iptablesRulesAreCommentedAndInsertedFirst() {
    List<IptablesRule> rules = NatRules.iptablesRules(subnet, "banger0", "eth0");

    assertThat(rules.getFirst().insertCommand())
        .containsExactly(
            "iptables",
            "-t",
            "nat",
            "-I",
            "POSTROUTING",
            "1",
            "-s",
            "172.30.0.0/24",
            "-o",
            "eth0",
            "-m",
            "comment",
            "--comment",
            "banger",
            "-j",
            "MASQUERADE");
    assertThat(rules.get(1).checkCommand())
        .containsExactly(
            "iptables",
            "-t",
            "filter",
            "-C",
            "FORWARD",
            "-i",
            "banger0",
            "-o",
            "eth0",
            "-m",
            "comment",
            "--comment",
            "banger",
            "-j",
            "ACCEPT");
    assertThat(rules.get(2).deleteCommand())
        .containsSubsequence("-D", "FORWARD", "-i", "eth0", "-o", "banger0")
        .contains("RELATED,ESTABLISHED");
  }

  @Test
  void deletionsAreDerivedFromTheListingForBangerRulesOnly() {
    String listing =
        """
        -P FORWARD DROP
        -N DOCKER
        -A FORWARD -i banger0 -o eth0 -m comment --comment banger -j ACCEPT
        -A FORWARD -o docker0 -j DOCKER
        -A FORWARD -i wlan0 -m comment --comment banger-lab -j ACCEPT
        """;

    assertThat(NatRules.iptablesDeletions("filter", listing))
        .containsExactly(
            List.of(
                "iptables",
                "-t",
                "filter",
                "-D",
                "FORWARD",
                "-i",
                "banger0",
                "-o",
                "eth0",
                "-m",
                "comment",
                "--comment",
                "banger",
                "-j",
                "ACCEPT"));
  }
}
