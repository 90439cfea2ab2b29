package dev.banger.guest;

import dev.banger.guest.wire.Protocol;
import dev.banger.guest.wire.WireException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One stream from the agent (stdout, stderr, a download, a dialed socket's replies). The reader
 * thread adds what arrives; it never blocks, because the agent never sends more than the window
 * this buffer can hold. Reading frees window, which is granted back in batches. Thread-safe.
 */
final class ChannelInput extends InputStream {
  private static final int GRANT_BATCH = 32 * 1024;

  private final Channel channel;
  private final int stream;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
  private int headOffset;
  private int buffered;
  private int toGrant;
  private boolean eof;
  private boolean receivedAny;
  private boolean discarding;
  private AgentException failure;

  ChannelInput(Channel channel, int stream) {
    this.channel = channel;
    this.stream = stream;
  }

  /** Called on the reader thread with bytes from the agent. */
  void offer(byte[] bytes) throws WireException {
    int grantNow = 0;
    lock.lock();
    try {
      if (eof) {
        throw new WireException("DATA after EOF on stream " + stream);
      }
      if (buffered + toGrant + bytes.length > Protocol.INITIAL_WINDOW) {
        throw new WireException("DATA beyond the flow-control window on stream " + stream);
      }
      receivedAny = true;
      if (discarding) {
        grantNow = bytes.length;
      } else if (bytes.length > 0) {
        chunks.add(bytes);
        buffered += bytes.length;
        readable.signalAll();
      }
    } finally {
      lock.unlock();
    }
    if (grantNow > 0) {
      channel.grant(stream, grantNow);
    }
  }

  /** The agent ended the stream. */
  void finish() {
    lock.lock();
    try {
      eof = true;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The channel closed normally. A stream that carried data must have been ended by EOF first; one
   * that never carried any (stderr of a terminal, output of an upload) simply ends.
   */
  void endAtClose(AgentException truncated) {
    lock.lock();
    try {
      if (!eof && receivedAny && failure == null) {
        failure = truncated;
      }
      eof = eof || !receivedAny;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The channel failed: readers get the failure once buffered bytes are consumed. */
  void fail(AgentException e) {
    lock.lock();
    try {
      if (failure == null && !eof) {
        failure = e;
      }
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int n;
    int grant = 0;
    lock.lock();
    try {
      while (buffered == 0 && !eof && failure == null && !discarding) {
        readable.await();
      }
      if (buffered == 0) {
        if (failure != null) {
          throw AgentException.again(failure);
        }
        return -1;
      }
      n = take(b, off, len);
      toGrant += n;
      if (toGrant >= GRANT_BATCH || buffered == 0) {
        grant = toGrant;
        toGrant = 0;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentException(
          AgentException.Reason.ABORTED, "interrupted while reading stream " + stream, e);
    } finally {
      lock.unlock();
    }
    if (grant > 0) {
      channel.grant(stream, grant);
    }
    return n;
  }

  /** Waits up to {@code timeout} for bytes or the end; returns whether read() would not block. */
  boolean awaitReadable(long timeout, TimeUnit unit) throws InterruptedException {
    lock.lock();
    try {
      long nanos = unit.toNanos(timeout);
      while (buffered == 0 && !eof && failure == null && nanos > 0) {
        nanos = readable.awaitNanos(nanos);
      }
      return buffered > 0 || eof || failure != null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int available() {
    lock.lock();
    try {
      return buffered;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops buffering: what is buffered and whatever still arrives is dropped and granted back, so
   * that an unread stream never stalls the command behind it.
   */
  @Override
  public void close() {
    int grant;
    lock.lock();
    try {
      discarding = true;
      grant = buffered + toGrant;
      chunks.clear();
      buffered = 0;
      toGrant = 0;
      headOffset = 0;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
    if (grant > 0) {
      channel.grant(stream, grant);
    }
  }

  private int take(byte[] b, int off, int len) {
    int copied = 0;
    while (copied < len && !chunks.isEmpty()) {
      byte[] head = chunks.peekFirst();
      int n = Math.min(len - copied, head.length - headOffset);
      System.arraycopy(head, headOffset, b, off + copied, n);
      copied += n;
      headOffset += n;
      if (headOffset == head.length) {
        chunks.removeFirst();
        headOffset = 0;
      }
    }
    buffered -= copied;
    return copied;
  }
}
