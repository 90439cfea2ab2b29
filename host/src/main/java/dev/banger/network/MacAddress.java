package dev.banger.network;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A 48-bit Ethernet MAC address. VM NICs get one derived from the VM id, so that a VM keeps its MAC
 * across restarts and the address never collides with a vendor's: the first octet is {@code 02}
 * (locally administered, unicast) and the other five are the first bytes of the SHA-256 of the id.
 * Immutable and thread-safe.
 *
 * @param bits the address in the low 48 bits
 */
public record MacAddress(long bits) {
  private static final long MAX = (1L << 48) - 1;
  private static final long LOCALLY_ADMINISTERED_UNICAST = 0x02L << 40;

  /** Rejects values wider than 48 bits. */
  public MacAddress {
    if (bits < 0 || bits > MAX) {
      throw new IllegalArgumentException("%x is not a 48-bit MAC address".formatted(bits));
    }
  }

  /** The MAC of the NIC of VM {@code vmId}: always the same for the same id. */
  public static MacAddress forVm(String vmId) {
    byte[] digest = sha256(vmId.getBytes(StandardCharsets.UTF_8));
    long bits = LOCALLY_ADMINISTERED_UNICAST;
    for (int i = 0; i < 5; i++) {
      bits |= (digest[i] & 0xffL) << (8 * (4 - i));
    }
    return new MacAddress(bits);
  }

  /**
   * Parses colon notation such as {@code 02:ab:cd:ef:01:23}.
   *
   * @throws IllegalArgumentException naming the text when it is not a MAC address
   */
  public static MacAddress parse(String text) {
    String[] octets = text.strip().split(":", -1);
    if (octets.length != 6) {
      throw new IllegalArgumentException("'%s' is not a MAC address".formatted(text));
    }
    long bits = 0;
    for (String octet : octets) {
      if (octet.length() != 2
          || !HexFormat.isHexDigit(octet.charAt(0))
          || !HexFormat.isHexDigit(octet.charAt(1))) {
        throw new IllegalArgumentException("'%s' is not a MAC address".formatted(text));
      }
      bits = (bits << 8) | HexFormat.fromHexDigits(octet);
    }
    return new MacAddress(bits);
  }

  /** True when the locally administered bit (0x02 of the first octet) is set. */
  public boolean isLocallyAdministered() {
    return (firstOctet() & 0x02) != 0;
  }

  /** True when the multicast bit (0x01 of the first octet) is clear. */
  public boolean isUnicast() {
    return (firstOctet() & 0x01) == 0;
  }

  private int firstOctet() {
    return (int) (bits >>> 40);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(17);
    for (int shift = 40; shift >= 0; shift -= 8) {
      if (text.length() > 0) {
        text.append(':');
      }
      text.append(HexFormat.of().toHexDigits((byte) (bits >>> shift)));
    }
    return text.toString();
  }

  private static byte[] sha256(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime must provide SHA-256", e);
    }
  }
}
