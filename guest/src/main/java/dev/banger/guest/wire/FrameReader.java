package dev.banger.guest.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads frames from a byte stream, skipping bytes that cannot be a frame. Not thread-safe: one
 * reader thread owns it.
 */
public final class FrameReader {
  /** Something in the stream that was not a usable frame, reported to the caller. */
  public sealed interface Refusal {
    /** A valid header announced a payload above the limit. */
    record Oversize(int channel, long length) implements Refusal {}

    /** A valid frame of another protocol version. */
    record OtherVersion(int channel, int version) implements Refusal {}
  }

  /** Receives what the reader refused, so the owner can close the channel and log it. */
  @FunctionalInterface
  public interface RefusalListener {
    /** Called on the reader thread for each refused header. */
    void refused(Refusal refusal);
  }

  private final InputStream in;
  private final RefusalListener listener;
  private final byte[] buf = new byte[2 * (Protocol.HEADER_SIZE + Protocol.MAX_PAYLOAD)];
  private int start;
  private int end;
  private long skippedBytes;

  /** Reads from {@code in}; refusals go to {@code listener}. */
  public FrameReader(InputStream in, RefusalListener listener) {
    this.in = in;
    this.listener = listener;
  }

  /** Bytes skipped so far because they could not start a frame. */
  public long skippedBytes() {
    return skippedBytes;
  }

  /** Blocks until the next valid frame; throws {@link EOFException} at the end of the stream. */
  public Frame next() throws IOException {
    for (; ; ) {
      FrameCodec.Result r = FrameCodec.parse(buf, start, end - start);
      start += r.consumed();
      switch (r.status()) {
        case FRAME -> {
          return r.frame();
        }
        case SKIP -> skippedBytes += r.consumed();
        case OVERSIZE -> listener.refused(new Refusal.Oversize(r.channel(), r.length()));
        case BAD_VERSION -> listener.refused(new Refusal.OtherVersion(r.channel(), r.version()));
        case NEED_MORE -> fill();
      }
    }
  }

  private void fill() throws IOException {
    if (start > 0) {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }
    int n = in.read(buf, end, buf.length - end);
    if (n < 0) {
      throw new EOFException("end of stream from the agent");
    }
    end += n;
  }
}
