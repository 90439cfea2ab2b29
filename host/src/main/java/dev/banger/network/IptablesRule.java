package dev.banger.network;

import java.util.ArrayList;
import java.util.List;

/**
 * One iptables rule banger adds, with the command lines that check for it, insert it and delete it.
 * Pure values so that the fallback used on hosts without nftables can be unit-tested. Immutable and
 * thread-safe.
 *
 * @param table the iptables table, such as {@code nat}
 * @param chain the chain, such as {@code POSTROUTING}
 * @param specification the match and target words, comment included
 */
public record IptablesRule(String table, String chain, List<String> specification) {

  /** Copies the specification so the record stays immutable. */
  public IptablesRule {
    specification = List.copyOf(specification);
  }

  /** {@code iptables -t TABLE -C CHAIN SPEC...}: exits 0 when the rule is present. */
  public List<String> checkCommand() {
    return command("-C");
  }

  /**
   * {@code iptables -t TABLE -I CHAIN 1 SPEC...}: first in its chain, so that a host's own {@code
   * DROP} rules further down (Docker adds some) do not shadow it.
   */
  public List<String> insertCommand() {
    List<String> argv = new ArrayList<>(List.of("iptables", "-t", table, "-I", chain, "1"));
    argv.addAll(specification);
    return argv;
  }

  /** {@code iptables -t TABLE -D CHAIN SPEC...}. */
  public List<String> deleteCommand() {
    return command("-D");
  }

  private List<String> command(String operation) {
    List<String> argv = new ArrayList<>(List.of("iptables", "-t", table, operation, chain));
    argv.addAll(specification);
    return argv;
  }
}
