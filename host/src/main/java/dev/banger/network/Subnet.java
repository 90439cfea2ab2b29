package dev.banger.network;

/**
 * An IPv4 subnet in CIDR form, such as {@code 172.30.0.0/24}, holding the VMs' addresses. The first
 * host address is the gateway (the bridge's own address); network and broadcast addresses are never
 * given to VMs. Immutable and thread-safe.
 *
 * @param network the network address (host bits all zero)
 * @param prefixLength the number of network bits, 8 to 30
 */
public record Subnet(IpAddress network, int prefixLength) {
  /** Shortest prefix accepted: a /8 already holds 16 million VMs. */
  public static final int MIN_PREFIX = 8;

  /** Longest prefix accepted: a /30 leaves one VM address after the gateway. */
  public static final int MAX_PREFIX = 30;

  /** Rejects prefixes outside 8..30 and addresses with host bits set. */
  public Subnet {
    if (prefixLength < MIN_PREFIX || prefixLength > MAX_PREFIX) {
      throw new IllegalArgumentException(
          "subnet %s/%d: the prefix length must be between %d and %d"
              .formatted(network, prefixLength, MIN_PREFIX, MAX_PREFIX));
    }
    int mask = mask(prefixLength);
    if ((network.bits() & ~mask) != 0) {
      throw new IllegalArgumentException(
          "subnet %s/%d has host bits set; did you mean %s/%d?"
              .formatted(
                  network, prefixLength, new IpAddress(network.bits() & mask), prefixLength));
    }
  }

  /**
   * Parses CIDR notation such as {@code 172.30.0.0/24}.
   *
   * @throws IllegalArgumentException naming the text when it is not a usable subnet
   */
  public static Subnet parse(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException(
          "'%s' is not a subnet: expected ADDRESS/PREFIX such as 172.30.0.0/24".formatted(cidr));
    }
    String prefix = cidr.substring(slash + 1).strip();
    if (prefix.isEmpty() || prefix.length() > 2 || !prefix.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException(
          "'%s' is not a subnet: the prefix length '%s' is not a number".formatted(cidr, prefix));
    }
    return new Subnet(IpAddress.parse(cidr.substring(0, slash)), Integer.parseInt(prefix));
  }

  /** The gateway: the first host address, given to the bridge. */
  public IpAddress gateway() {
    return network.plus(1);
  }

  /** The broadcast address: the last address of the subnet. */
  public IpAddress broadcast() {
    return network.plus(size() - 1);
  }

  /** The number of addresses in the subnet, network and broadcast included. */
  public long size() {
    return 1L << (32 - prefixLength);
  }

  /** True when {@code address} lies in this subnet. */
  public boolean contains(IpAddress address) {
    int mask = mask(prefixLength);
    return (address.bits() & mask) == network.bits();
  }

  /** {@code address/prefix}, as {@code ip addr add} and the guest's {@code banger.ip} take it. */
  public String withPrefix(IpAddress address) {
    return address + "/" + prefixLength;
  }

  @Override
  public String toString() {
    return network + "/" + prefixLength;
  }

  private static int mask(int prefixLength) {
    return (int) (0xffffffffL << (32 - prefixLength));
  }
}
