package dev.banger.network;

/**
 * An IPv4 address. Immutable and thread-safe; ordered numerically.
 *
 * @param bits the address as an unsigned 32-bit number held in an {@code int}
 */
public record IpAddress(int bits) implements Comparable<IpAddress> {

  /**
   * Parses dotted-quad notation such as {@code 172.30.0.5}.
   *
   * @throws IllegalArgumentException naming the text when it is not an IPv4 address
   */
  public static IpAddress parse(String text) {
    String[] parts = text.strip().split("\\.", -1);
    if (parts.length != 4) {
      throw notAnAddress(text);
    }
    int bits = 0;
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
        throw notAnAddress(text);
      }
      int octet = Integer.parseInt(part);
      if (octet > 255) {
        throw notAnAddress(text);
      }
      bits = (bits << 8) | octet;
    }
    return new IpAddress(bits);
  }

  /** The address as a non-negative number, 0 to 2^32-1. */
  public long value() {
    return Integer.toUnsignedLong(bits);
  }

  /** The address {@code offset} further on (wrapping at 2^32). */
  public IpAddress plus(long offset) {
    return new IpAddress((int) (value() + offset));
  }

  @Override
  public int compareTo(IpAddress other) {
    return Integer.compareUnsigned(bits, other.bits);
  }

  @Override
  public String toString() {
    return "%d.%d.%d.%d"
        .formatted(bits >>> 24, (bits >>> 16) & 0xff, (bits >>> 8) & 0xff, bits & 0xff);
  }

  private static IllegalArgumentException notAnAddress(String text) {
    return new IllegalArgumentException("'%s' is not an IPv4 address".formatted(text));
  }
}
