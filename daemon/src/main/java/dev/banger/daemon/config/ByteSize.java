package dev.banger.daemon.config;

import java.util.Locale;

/** Parses and prints sizes such as {@code 512M}, {@code 4G} or {@code 1073741824}. */
public final class ByteSize {
  private ByteSize() {}

  /**
   * Parses a size: a number of bytes, or a number with a binary suffix K, M, G or T (an optional
   * trailing {@code iB} or {@code B} is accepted).
   *
   * @throws IllegalArgumentException naming the text when it is not a size
   */
  public static long parse(String text) {
    String s = text.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
    if (s.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' is not a size; use e.g. 512M or 4G");
    }
    int shift =
        switch (s.charAt(s.length() - 1)) {
          case 'K' -> 10;
          case 'M' -> 20;
          case 'G' -> 30;
          case 'T' -> 40;
          default -> 0;
        };
    String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
    try {
      long n = Long.parseLong(digits);
      if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
        throw new IllegalArgumentException("'" + text + "' is out of range");
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a size; use e.g. 512M or 4G", e);
    }
  }

  /** Prints bytes with the largest binary unit that divides them, e.g. {@code 4G}. */
  public static String format(long bytes) {
    String[] units = {"", "K", "M", "G", "T"};
    int i = 0;
    long v = bytes;
    while (i < units.length - 1 && v != 0 && v % 1024 == 0) {
      v /= 1024;
      i++;
    }
    return v + units[i];
  }
}
