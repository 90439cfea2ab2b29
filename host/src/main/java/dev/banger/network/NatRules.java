package dev.banger.network;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The NAT and forwarding rules that let VMs on the bridge reach the outside through the host's
 * default-route interface, as an nftables script or as iptables rules. Pure functions.
 *
 * <p>Stateless and thread-safe.
 */
public final class NatRules {
  /** The nftables table holding every banger rule ({@code ip} family: the subnet is IPv4). */
  public static final String NFT_TABLE = "banger";

  /** The comment marking banger's iptables rules, which is how removal finds them. */
  public static final String IPTABLES_COMMENT = "banger";

  private NatRules() {}

  /**
   * An {@code nft -f} script that replaces table {@code ip banger} in one transaction: masquerade
   * traffic from {@code subnet} leaving through {@code uplink}, and accept forwarding between the
   * bridge and the uplink. Declaring the table before deleting it makes the delete succeed whether
   * or not the table existed, so applying the script twice is the same as once.
   */
  public static String nftRuleset(Subnet subnet, String bridge, String uplink) {
    return """
        table ip %1$s {}
        delete table ip %1$s
        table ip %1$s {
          chain postrouting {
            type nat hook postrouting priority srcnat; policy accept;
            ip saddr %2$s oifname "%4$s" masquerade
          }
          chain forward {
            type filter hook forward priority filter; policy accept;
            iifname "%3$s" oifname "%4$s" accept
            iifname "%4$s" oifname "%3$s" ct state established,related accept
          }
        }
        """
        .formatted(NFT_TABLE, subnet, bridge, uplink);
  }

  /** An {@code nft -f} script that removes table {@code ip banger}, present or not. */
  public static String nftRemoval() {
    return "table ip %1$s {}\ndelete table ip %1$s\n".formatted(NFT_TABLE);
  }

  /** The iptables equivalent of {@link #nftRuleset}, each rule tagged with the comment. */
  public static List<IptablesRule> iptablesRules(Subnet subnet, String bridge, String uplink) {
    List<String> comment = List.of("-m", "comment", "--comment", IPTABLES_COMMENT);
    return List.of(
        new IptablesRule(
            "nat",
            "POSTROUTING",
            concat(List.of("-s", subnet.toString(), "-o", uplink), comment, "MASQUERADE")),
        new IptablesRule(
            "filter", "FORWARD", concat(List.of("-i", bridge, "-o", uplink), comment, "ACCEPT")),
        new IptablesRule(
            "filter",
            "FORWARD",
            concat(
                List.of(
                    "-i",
                    uplink,
                    "-o",
                    bridge,
                    "-m",
                    "conntrack",
                    "--ctstate",
                    "RELATED,ESTABLISHED"),
                comment,
                "ACCEPT")));
  }

  /**
   * The delete commands for every rule carrying banger's comment in the output of {@code iptables
   * -t TABLE -S}, which prints each rule as the {@code -A} command that adds it.
   */
  public static List<List<String>> iptablesDeletions(String table, String listing) {
    List<List<String>> deletions = new ArrayList<>();
    for (String line : listing.lines().toList()) {
      List<String> words = Arrays.asList(line.strip().split("\\s+"));
      if (words.size() > 2 && "-A".equals(words.getFirst()) && hasBangerComment(words)) {
        List<String> argv = new ArrayList<>(List.of("iptables", "-t", table, "-D"));
        argv.addAll(words.subList(1, words.size()));
        deletions.add(argv);
      }
    }
    return deletions;
  }

  private static boolean hasBangerComment(List<String> words) {
    for (int i = 0; i + 1 < words.size(); i++) {
      if ("--comment".equals(words.get(i)) && IPTABLES_COMMENT.equals(words.get(i + 1))) {
        return true;
      }
    }
    return false;
  }

  private static List<String> concat(List<String> match, List<String> comment, String target) {
    List<String> words = new ArrayList<>(match);
    words.addAll(comment);
    words.addAll(List.of("-j", target));
    return words;
  }
}
