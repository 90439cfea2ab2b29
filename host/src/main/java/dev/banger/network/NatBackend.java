package dev.banger.network;

/** The firewall tool NAT rules are written with. Immutable and thread-safe. */
public enum NatBackend {
  /** nftables through {@code nft}: one table {@code ip banger} holding every rule. */
  NFTABLES("nft"),

  /** iptables through {@code iptables}: rules marked with the comment {@code banger}. */
  IPTABLES("iptables");

  private final String program;

  NatBackend(String program) {
    this.program = program;
  }

  /** The command-line program of this backend. */
  public String program() {
    return program;
  }
}
