package dev.banger.kernel;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes the LZ4 "legacy" frame, the format {@code lz4 -l} writes and Linux uses for LZ4
 * compressed kernels and initramfs images.
 *
 * <p>The frame is the magic 0x184C2102 (little-endian) followed by blocks, each a 32-bit
 * little-endian compressed size and an independent LZ4 block that decodes to at most 8 MiB. The
 * magic may appear again between blocks (concatenated frames). The kernel build appends the decoded
 * size as 4 more bytes; when the input length is known those 4 trailing bytes are recognised and
 * checked against the number of bytes decoded.
 *
 * <p>Each LZ4 block is a run of sequences: a token whose high nibble is the literal count and low
 * nibble the match length minus 4 (15 meaning "more length bytes follow, each added, until one is
 * below 255"), the literals, then a 16-bit little-endian offset back into the output. The last
 * sequence of a block has literals only.
 *
 * <p>Not thread-safe, like any input stream.
 */
final class Lz4LegacyInputStream extends InputStream {

  static final int MAGIC = 0x184C2102;
  private static final int MAX_BLOCK = 8 << 20;
  // The largest a block of MAX_BLOCK bytes can become when LZ4 cannot compress it.
  private static final int MAX_COMPRESSED_BLOCK = MAX_BLOCK + MAX_BLOCK / 255 + 16;

  private final InputStream in;
  private final long inputLength;
  private final byte[] output = new byte[MAX_BLOCK];
  private byte[] block = new byte[0];
  private long consumed;
  private long decoded;
  private int outputLength;
  private int outputPosition;
  private boolean finished;

  /**
   * Decodes the frame read from {@code in}.
   *
   * @param inputLength the number of bytes of the frame including any size trailer, or -1 when
   *     unknown (then the frame ends at the end of {@code in})
   */
  Lz4LegacyInputStream(InputStream in, long inputLength) throws IOException {
    this.in = in;
    this.inputLength = inputLength;
    long magic = readLittleEndianInt();
    if (magic != Integer.toUnsignedLong(MAGIC)) {
      throw new IOException(
          String.format("not an LZ4 legacy frame: magic is 0x%08X, expected 0x%08X", magic, MAGIC));
    }
  }

  /** Number of decoded bytes handed out so far plus those buffered. */
  long decodedBytes() {
    return decoded;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (outputPosition == outputLength) {
      if (finished || !nextBlock()) {
        finished = true;
        return -1;
      }
    }
    int n = Math.min(length, outputLength - outputPosition);
    System.arraycopy(output, outputPosition, buffer, offset, n);
    outputPosition += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private boolean nextBlock() throws IOException {
    long remaining = inputLength < 0 ? Long.MAX_VALUE : inputLength - consumed;
    if (remaining == 0) {
      return false;
    }
    if (remaining < 4) {
      throw new IOException(
          "LZ4 legacy frame ends with " + remaining + " stray bytes after " + consumed);
    }
    long size = readSizeOrEnd();
    if (size < 0) {
      return false;
    }
    if (size == Integer.toUnsignedLong(MAGIC)) {
      return true;
    }
    if (remaining == 4) {
      checkTrailer(size);
      return false;
    }
    if (size == 0 || size > MAX_COMPRESSED_BLOCK || size > remaining - 4) {
      if (inputLength < 0 && size == (decoded & 0xFFFF_FFFFL) && in.read() < 0) {
        return false;
      }
      throw new IOException(
          "LZ4 legacy block at input offset "
              + (consumed - 4)
              + " claims "
              + size
              + " compressed bytes, which is impossible here (corrupt or truncated data)");
    }
    return decodeBlock((int) size);
  }

  /** Reads a block size; -1 when the input of unknown length ends cleanly before it. */
  private long readSizeOrEnd() throws IOException {
    byte[] bytes = in.readNBytes(4);
    if (bytes.length == 0 && inputLength < 0) {
      return -1;
    }
    if (bytes.length != 4) {
      throw new EOFException(
          "LZ4 legacy frame is truncated: a block size at input offset "
              + consumed
              + " has only "
              + bytes.length
              + " of its 4 bytes");
    }
    consumed += 4;
    return littleEndian(bytes);
  }

  private void checkTrailer(long trailer) throws IOException {
    if (trailer != (decoded & 0xFFFF_FFFFL)) {
      throw new IOException(
          "LZ4 legacy frame trailer says "
              + trailer
              + " decoded bytes but "
              + decoded
              + " were decoded (corrupt or truncated data)");
    }
  }

  private boolean decodeBlock(int size) throws IOException {
    if (block.length < size) {
      block = new byte[Math.max(size, Math.min(MAX_COMPRESSED_BLOCK, block.length * 2))];
    }
    int read = in.readNBytes(block, 0, size);
    consumed += read;
    if (read == 0 && inputLength < 0 && size == (decoded & 0xFFFF_FFFFL)) {
      // Without a known length, the size trailer looks like a block header until the input ends.
      return false;
    }
    if (read != size) {
      throw new EOFException(
          "LZ4 legacy block is truncated: expected " + size + " bytes, found " + read);
    }
    outputLength = decodeSequences(block, size, output);
    outputPosition = 0;
    decoded += outputLength;
    return true;
  }

  /** Decodes one LZ4 block into {@code out}, returning the number of bytes produced. */
  static int decodeSequences(byte[] src, int srcLength, byte[] out) throws IOException {
    int in = 0;
    int pos = 0;
    while (true) {
      int token = src[in++] & 0xff;
      int literals = token >>> 4;
      if (literals == 15) {
        int[] cursor = {in};
        literals += extraLength(src, srcLength, cursor);
        in = cursor[0];
      }
      if (literals > srcLength - in || literals > out.length - pos) {
        throw corrupt("literal run of " + literals + " bytes overruns the block", in);
      }
      System.arraycopy(src, in, out, pos, literals);
      in += literals;
      pos += literals;
      if (in == srcLength) {
        return pos;
      }
      if (srcLength - in < 2) {
        throw corrupt("block ends inside a match offset", in);
      }
      int offset = (src[in] & 0xff) | (src[in + 1] & 0xff) << 8;
      in += 2;
      if (offset == 0 || offset > pos) {
        throw corrupt("match offset " + offset + " points before the start of the block", in);
      }
      int matchLength = (token & 0x0f) + 4;
      if ((token & 0x0f) == 15) {
        int[] cursor = {in};
        matchLength += extraLength(src, srcLength, cursor);
        in = cursor[0];
      }
      if (matchLength > out.length - pos) {
        throw corrupt("match of " + matchLength + " bytes overruns the 8 MiB block", in);
      }
      // Byte by byte on purpose: a match may overlap the bytes it is producing.
      for (int i = 0; i < matchLength; i++) {
        out[pos] = out[pos - offset];
        pos++;
      }
      if (in >= srcLength) {
        throw corrupt("block ends after a match; the last sequence must be literals", in);
      }
    }
  }

  private static int extraLength(byte[] src, int srcLength, int[] cursor) throws IOException {
    int total = 0;
    int next;
    do {
      if (cursor[0] >= srcLength) {
        throw corrupt("block ends inside a length", cursor[0]);
      }
      next = src[cursor[0]++] & 0xff;
      total += next;
      if (total > MAX_BLOCK) {
        throw corrupt("length exceeds the 8 MiB block size", cursor[0]);
      }
    } while (next == 255);
    return total;
  }

  private static IOException corrupt(String what, int position) {
    return new IOException("corrupt LZ4 block: " + what + " (at block byte " + position + ")");
  }

  private long readLittleEndianInt() throws IOException {
    byte[] bytes = in.readNBytes(4);
    if (bytes.length != 4) {
      throw new EOFException(
          "LZ4 legacy frame is truncated: wanted 4 bytes at input offset "
              + consumed
              + ", found "
              + bytes.length);
    }
    consumed += 4;
    return littleEndian(bytes);
  }

  private static long littleEndian(byte[] bytes) {
    long value = 0;
    for (int i = bytes.length - 1; i >= 0; i--) {
      value = value << 8 | (bytes[i] & 0xff);
    }
    return value;
  }
}
