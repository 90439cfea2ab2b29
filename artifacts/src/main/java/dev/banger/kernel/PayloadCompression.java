package dev.banger.kernel;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream;
import org.tukaani.xz.SingleXZInputStream;

/**
 * The compressions Linux uses for a bzImage payload and for initramfs images, recognised by their
 * magic bytes. The four a kernel payload can have here (gzip, xz, zstd, LZ4 legacy) are decoded;
 * the others are recognised so that the error can name them.
 *
 * <p>Immutable and thread-safe.
 */
public enum PayloadCompression {
  /** Not compressed. */
  NONE(true, new int[0]),
  /** gzip (RFC 1952). */
  GZIP(true, new int[] {0x1f, 0x8b}),
  /** xz container, one stream. */
  XZ(true, new int[] {0xfd, '7', 'z', 'X', 'Z', 0}),
  /** Zstandard, one frame. */
  ZSTD(true, new int[] {0x28, 0xb5, 0x2f, 0xfd}),
  /** LZ4 legacy frame ({@code lz4 -l}), the format of Debian's cloud kernel payload. */
  LZ4_LEGACY(true, new int[] {0x02, 0x21, 0x4c, 0x18}),
  /** LZ4 frame format (initramfs images only; kernels use the legacy frame). */
  LZ4_FRAME(true, new int[] {0x04, 0x22, 0x4d, 0x18}),
  /** bzip2: recognised, not decoded. */
  BZIP2(false, new int[] {'B', 'Z', 'h'}),
  /** LZMA alone: recognised, not decoded. */
  LZMA(false, new int[] {0x5d, 0x00, 0x00}),
  /** LZO (lzop): recognised, not decoded. */
  LZO(false, new int[] {0x89, 'L', 'Z', 'O'});

  /** How many leading bytes {@link #detect(byte[])} needs. */
  public static final int MAGIC_LENGTH = 6;

  private final boolean decodable;
  private final int[] magic;

  PayloadCompression(boolean decodable, int[] magic) {
    this.decodable = decodable;
    this.magic = magic;
  }

  /** Recognises the compression of data starting with {@code head}; {@link #NONE} if unknown. */
  public static PayloadCompression detect(byte[] head) {
    for (PayloadCompression candidate : values()) {
      if (candidate != NONE && candidate.matches(head)) {
        return candidate;
      }
    }
    return NONE;
  }

  /** Whether banger can decode this compression. */
  public boolean decodable() {
    return decodable;
  }

  /**
   * Wraps {@code in}, positioned at the start of data in this compression, in a decoder. For xz
   * only the first stream is decoded, so the size trailer the kernel build appends is left unread;
   * zstd data must be cut to its first frame by the caller (see {@link BzImage}).
   *
   * @param length the number of compressed bytes, or -1 if unknown (used by LZ4 legacy to find the
   *     size trailer)
   * @throws IOException if this compression is not decodable or the data is not valid
   */
  public InputStream decoder(InputStream in, long length) throws IOException {
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 1 << 16);
      case XZ -> new BufferedInputStream(new SingleXZInputStream(in), 1 << 16);
      case ZSTD -> new BufferedInputStream(new ZstdInputStream(in), 1 << 16);
      case LZ4_LEGACY -> new Lz4LegacyInputStream(in, length);
      case LZ4_FRAME -> new FramedLZ4CompressorInputStream(in);
      case BZIP2, LZMA, LZO ->
          throw new IOException("data is " + name() + " compressed, which banger does not decode");
    };
  }

  private boolean matches(byte[] head) {
    if (head.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((head[i] & 0xff) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /** Returns the first {@link #MAGIC_LENGTH} bytes of {@code data} (or all, if shorter). */
  static byte[] head(byte[] data, int offset) {
    return Arrays.copyOfRange(data, offset, Math.min(data.length, offset + MAGIC_LENGTH));
  }
}
