package dev.banger.archive;

/**
 * Bounds on what one extraction may write, so that an untrusted archive cannot fill the disk or
 * exhaust inodes. Immutable and thread-safe.
 *
 * @param maxTotalBytes the largest sum of regular-file sizes an archive may contain
 * @param maxEntries the largest number of entries (files, directories, links) it may contain
 */
public record ExtractionLimits(long maxTotalBytes, long maxEntries) {

  /** 64 GiB and one million entries: enough for any rootfs image or kernel bundle. */
  public static final ExtractionLimits DEFAULT = new ExtractionLimits(64L << 30, 1_000_000);

  /** Checks that both limits are positive. */
  public ExtractionLimits {
    if (maxTotalBytes <= 0 || maxEntries <= 0) {
      throw new IllegalArgumentException(
          "extraction limits must be positive, got "
              + maxTotalBytes
              + " bytes and "
              + maxEntries
              + " entries");
    }
  }
}
