package dev.banger.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The fields of an ext2/3/4 superblock (at byte 1024 of the filesystem) that decide whether Linux
 * 6.1 can mount it read-write. Immutable and thread-safe.
 *
 * @param magic {@code s_magic}, 0xEF53 for the ext family
 * @param blockSize the block size in bytes ({@code 1024 << s_log_block_size})
 * @param blocksCount the filesystem size in blocks
 * @param compatFeatures {@code s_feature_compat}
 * @param incompatFeatures {@code s_feature_incompat}
 * @param readOnlyCompatFeatures {@code s_feature_ro_compat}
 */
public record Ext4Superblock(
    int magic,
    long blockSize,
    long blocksCount,
    long compatFeatures,
    long incompatFeatures,
    long readOnlyCompatFeatures) {

  /** The ext magic number. */
  public static final int MAGIC = 0xEF53;

  /** The superblock's offset in the filesystem. */
  public static final int OFFSET = 1024;

  /** {@code INCOMPAT_64BIT}: the block count has a high half. */
  static final long INCOMPAT_64BIT = 0x80;

  /** {@code INCOMPAT_EXTENTS}: ext4 extents, absent from ext2/3. */
  public static final long INCOMPAT_EXTENTS = 0x40;

  // Linux 6.1's EXT4_FEATURE_INCOMPAT_SUPP: filetype, recover, meta_bg, extents, 64bit, mmp,
  // flex_bg, ea_inode, csum_seed, largedir, inline_data, encrypt, casefold.
  private static final long SUPPORTED_INCOMPAT = 0x3_E7D6L;

  // Linux 6.1's EXT4_FEATURE_RO_COMPAT_SUPP. READONLY (0x1000) is not in it: it forbids rw.
  private static final long SUPPORTED_RO_COMPAT = 0x1_A77FL;

  private static final long RO_COMPAT_READONLY = 0x1000;

  /** Reads the superblock of the filesystem image at {@code path}. */
  public static Ext4Superblock read(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      ByteBuffer block = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
      while (block.hasRemaining()) {
        if (channel.read(block, OFFSET + block.position()) < 0) {
          throw new IOException(
              "'"
                  + path
                  + "' is too small to hold an ext superblock ("
                  + channel.size()
                  + " bytes)");
        }
      }
      long incompat = Integer.toUnsignedLong(block.getInt(0x60));
      long blocks = Integer.toUnsignedLong(block.getInt(0x04));
      if ((incompat & INCOMPAT_64BIT) != 0) {
        blocks |= Integer.toUnsignedLong(block.getInt(0x150)) << 32;
      }
      int logBlockSize = block.getInt(0x18);
      return new Ext4Superblock(
          block.getShort(0x38) & 0xffff,
          logBlockSize < 0 || logBlockSize > 16 ? -1 : 1024L << logBlockSize,
          blocks,
          Integer.toUnsignedLong(block.getInt(0x5C)),
          incompat,
          Integer.toUnsignedLong(block.getInt(0x64)));
    }
  }

  /**
   * Returns what keeps Linux from mounting this filesystem read-write from a file of {@code
   * fileSize} bytes, or the empty string if nothing does.
   */
  public String problem(long fileSize) {
    if (magic != MAGIC) {
      return String.format(
          "has no ext4 superblock (magic 0x%04X at offset 1080, expected 0xEF53)", magic);
    }
    if (blockSize < 1024 || blockSize > 65536) {
      return "has an impossible block size in its superblock (corrupt?)";
    }
    long unsupported = incompatFeatures & ~SUPPORTED_INCOMPAT;
    if (unsupported != 0) {
      return String.format("uses incompatible features 0x%X that Linux cannot mount", unsupported);
    }
    if ((readOnlyCompatFeatures & RO_COMPAT_READONLY) != 0) {
      return "is marked read-only (RO_COMPAT_READONLY) and cannot be mounted read-write";
    }
    long unknownReadOnly = readOnlyCompatFeatures & ~SUPPORTED_RO_COMPAT;
    if (unknownReadOnly != 0) {
      return String.format(
          "uses read-only-compatible features 0x%X that Linux can only mount read-only",
          unknownReadOnly);
    }
    if (blocksCount <= 0 || blocksCount > fileSize / blockSize) {
      return "claims "
          + blocksCount
          + " blocks of "
          + blockSize
          + " bytes but the file has only "
          + fileSize
          + " bytes (truncated?)";
    }
    return "";
  }
}
