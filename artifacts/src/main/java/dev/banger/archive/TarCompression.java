package dev.banger.archive;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The compressions a tar archive may come in, recognised by their magic bytes rather than by a file
 * name. Immutable and thread-safe.
 */
public enum TarCompression {
  /** A plain tar archive. */
  NONE(new byte[0]),
  /** gzip (RFC 1952). */
  GZIP(new byte[] {0x1f, (byte) 0x8b}),
  /** Zstandard frame. */
  ZSTD(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}),
  /** xz container. */
  XZ(new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0});

  /** How many leading bytes {@link #detect(byte[], int)} needs to decide. */
  public static final int MAGIC_LENGTH = 6;

  private final byte[] magic;

  TarCompression(byte[] magic) {
    this.magic = magic;
  }

  /**
   * Recognises the compression from the first bytes of a stream; anything unrecognised is treated
   * as a plain tar, which the tar reader then accepts or rejects.
   *
   * @param head the first bytes of the stream
   * @param length how many bytes of {@code head} are valid
   */
  public static TarCompression detect(byte[] head, int length) {
    for (TarCompression candidate : new TarCompression[] {GZIP, ZSTD, XZ}) {
      if (candidate.matches(head, length)) {
        return candidate;
      }
    }
    return NONE;
  }

  /**
   * Peeks at the start of {@code in} (which must support mark/reset) and wraps it in the matching
   * decompressor.
   */
  public static InputStream decompressing(BufferedInputStream in) throws IOException {
    in.mark(MAGIC_LENGTH);
    byte[] head = in.readNBytes(MAGIC_LENGTH);
    in.reset();
    return detect(head, head.length).wrap(in);
  }

  /** Wraps a stream positioned at the start of data in this compression. */
  public InputStream wrap(InputStream in) throws IOException {
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 1 << 16);
      case ZSTD -> new BufferedInputStream(new ZstdInputStream(in), 1 << 16);
      case XZ -> new BufferedInputStream(new XZInputStream(in), 1 << 16);
    };
  }

  private boolean matches(byte[] head, int length) {
    if (length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (head[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }
}
