package dev.banger.guest.wire;

import java.util.zip.CRC32;

/**
 * Frame headers and the stream parser that finds frames among bytes, skipping what cannot be a
 * frame so that a damaged stream (a serial port reopened mid-frame) resynchronises. Stateless and
 * thread-safe.
 */
public final class FrameCodec {
  private FrameCodec() {}

  /** What {@link #parse} found at the start of the bytes it was given. */
  public enum Status {
    /** Not enough bytes yet for the next frame. */
    NEED_MORE,
    /** A complete, valid frame. */
    FRAME,
    /** Bytes that cannot start a frame were skipped. */
    SKIP,
    /** A valid header announcing a payload above the limit; only the header was consumed. */
    OVERSIZE,
    /** A valid frame of another protocol version; it was consumed whole. */
    BAD_VERSION
  }

  /**
   * The outcome of one parse step. {@code frame} is set for FRAME; {@code channel}, {@code version}
   * and {@code length} are set for OVERSIZE and BAD_VERSION.
   *
   * @param status what was found
   * @param consumed how many bytes the caller must drop
   * @param frame the frame, or null
   * @param channel the header's channel, when a header was decoded
   * @param version the header's version, when a header was decoded
   * @param length the header's payload length, when a header was decoded
   */
  public record Result(
      Status status, int consumed, Frame frame, int channel, int version, long length) {}

  /** CRC-32 (IEEE 802.3, as in zlib) of part of an array. */
  public static int crc(byte[] data, int offset, int length) {
    CRC32 crc = new CRC32();
    crc.update(data, offset, length);
    return (int) crc.getValue();
  }

  /** Writes a header for the given frame at {@code out[offset]}. */
  public static void writeHeader(byte[] out, int offset, int type, int channel, int length) {
    out[offset] = (byte) Protocol.MAGIC0;
    out[offset + 1] = (byte) Protocol.MAGIC1;
    out[offset + 2] = (byte) Protocol.VERSION;
    out[offset + 3] = (byte) type;
    putInt(out, offset + 4, channel);
    putInt(out, offset + 8, length);
    putInt(out, offset + 12, crc(out, offset, 12));
  }

  /** Encodes a whole frame whose payload is {@code payload[offset, offset + length)}. */
  public static byte[] encode(int type, int channel, byte[] payload, int offset, int length) {
    byte[] out = new byte[Protocol.HEADER_SIZE + length];
    writeHeader(out, 0, type, channel, length);
    System.arraycopy(payload, offset, out, Protocol.HEADER_SIZE, length);
    return out;
  }

  /** Looks for the next frame at {@code buf[offset, offset + length)}. */
  public static Result parse(byte[] buf, int offset, int length) {
    if (length == 0) {
      return new Result(Status.NEED_MORE, 0, null, 0, 0, 0);
    }
    if ((buf[offset] & 0xFF) != Protocol.MAGIC0
        || (length >= 2 && (buf[offset + 1] & 0xFF) != Protocol.MAGIC1)) {
      return skipToNextMagic(buf, offset, length);
    }
    if (length < Protocol.HEADER_SIZE) {
      return new Result(Status.NEED_MORE, 0, null, 0, 0, 0);
    }
    if (getInt(buf, offset + 12) != crc(buf, offset, 12)) {
      return skipToNextMagic(buf, offset, length);
    }
    int version = buf[offset + 2] & 0xFF;
    int type = buf[offset + 3] & 0xFF;
    int channel = getInt(buf, offset + 4);
    long payloadLength = getInt(buf, offset + 8) & 0xFFFFFFFFL;
    if (payloadLength > Protocol.MAX_PAYLOAD) {
      // The payload cannot be trusted to follow: drop the header and resynchronise.
      return new Result(
          Status.OVERSIZE, Protocol.HEADER_SIZE, null, channel, version, payloadLength);
    }
    int total = Protocol.HEADER_SIZE + (int) payloadLength;
    if (length < total) {
      return new Result(Status.NEED_MORE, 0, null, 0, 0, 0);
    }
    if (version != Protocol.VERSION) {
      return new Result(Status.BAD_VERSION, total, null, channel, version, payloadLength);
    }
    byte[] payload = new byte[(int) payloadLength];
    System.arraycopy(buf, offset + Protocol.HEADER_SIZE, payload, 0, payload.length);
    return new Result(
        Status.FRAME, total, new Frame(type, channel, payload), channel, version, payloadLength);
  }

  private static Result skipToNextMagic(byte[] buf, int offset, int length) {
    int skip = 1;
    while (skip < length && (buf[offset + skip] & 0xFF) != Protocol.MAGIC0) {
      skip++;
    }
    return new Result(Status.SKIP, skip, null, 0, 0, 0);
  }

  static void putInt(byte[] out, int offset, int value) {
    out[offset] = (byte) (value >>> 24);
    out[offset + 1] = (byte) (value >>> 16);
    out[offset + 2] = (byte) (value >>> 8);
    out[offset + 3] = (byte) value;
  }

  static int getInt(byte[] in, int offset) {
    return ((in[offset] & 0xFF) << 24)
        | ((in[offset + 1] & 0xFF) << 16)
        | ((in[offset + 2] & 0xFF) << 8)
        | (in[offset + 3] & 0xFF);
  }
}
