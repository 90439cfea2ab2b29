package dev.banger.guest.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Encoders of the payloads the host sends. Stateless and thread-safe. */
public final class HostMessages {
  private HostMessages() {}

  /** HELLO: start a session; the agent echoes the nonce. */
  public static byte[] hello(long nonce) {
    return new Fields.Writer().u64(FieldTag.NONCE, nonce).toBytes();
  }

  /** POWER with {@link Protocol#POWER_OFF} or {@link Protocol#POWER_REBOOT}. */
  public static byte[] power(int action) {
    return new byte[] {(byte) action};
  }

  /** DATA: the stream byte then the bytes. */
  public static byte[] data(int stream, byte[] bytes, int offset, int length) {
    byte[] out = new byte[1 + length];
    out[0] = (byte) stream;
    System.arraycopy(bytes, offset, out, 1, length);
    return out;
  }

  /** EOF of a stream. */
  public static byte[] eof(int stream) {
    return new byte[] {(byte) stream};
  }

  /** WINDOW: the receiver can take {@code increment} more bytes on the stream. */
  public static byte[] window(int stream, int increment) {
    return ByteBuffer.allocate(5).put((byte) stream).putInt(increment).array();
  }

  /** RESIZE of a terminal. */
  public static byte[] resize(int rows, int cols) {
    return ByteBuffer.allocate(4).putShort((short) rows).putShort((short) cols).array();
  }

  /** SIGNAL number 1 to 64. */
  public static byte[] signal(int signo) {
    if (signo < 1 || signo > 64) {
      throw new IllegalArgumentException("signal number out of range: " + signo);
    }
    return new byte[] {(byte) signo};
  }

  /** CLOSE with a code and a message, cut to the protocol's limit. */
  public static byte[] close(int code, String message) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    int len = Math.min(text.length, Protocol.MAX_CLOSE_MESSAGE);
    return ByteBuffer.allocate(2 + len).putShort((short) code).put(text, 0, len).array();
  }
}
