package dev.banger.vmm;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An Ethernet MAC address in the colon-separated form both VMMs accept ({@code 02:fc:00:00:00:01}),
 * stored in lower case.
 *
 * <p>Immutable, so thread-safe.
 *
 * @param text the address as six colon-separated pairs of hex digits
 */
public record MacAddress(String text) {
  private static final Pattern FORMAT = Pattern.compile("(?:[0-9a-f]{2}:){5}[0-9a-f]{2}");

  /** Normalises to lower case and rejects anything but six colon-separated hex pairs. */
  public MacAddress {
    String lower = text.toLowerCase(Locale.ROOT);
    if (!FORMAT.matcher(lower).matches()) {
      throw new IllegalArgumentException(
          "MAC address \"" + text + "\" is not six colon-separated hex pairs");
    }
    text = lower;
  }

  @Override
  public String toString() {
    return text;
  }
}
