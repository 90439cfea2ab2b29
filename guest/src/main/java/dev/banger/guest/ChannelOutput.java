package dev.banger.guest;

import dev.banger.guest.wire.Protocol;
import dev.banger.guest.wire.WireException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stream 0 of a channel: stdin, an upload, bytes for a dialed socket. A write blocks while the
 * agent has granted no room, so a slow consumer in the guest slows only this channel. Closing sends
 * EOF. Thread-safe, though writes from several threads interleave in undefined order.
 */
final class ChannelOutput extends OutputStream {
  private final Channel channel;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition credited = lock.newCondition();
  private long credit = Protocol.INITIAL_WINDOW;
  private boolean closed;
  private AgentException failure;

  ChannelOutput(Channel channel) {
    this.channel = channel;
  }

  /** The agent granted more room. */
  void onWindow(int increment) throws WireException {
    lock.lock();
    try {
      if (credit + increment > Protocol.INITIAL_WINDOW) {
        throw new WireException("WINDOW grants more than was sent on stream 0");
      }
      credit += increment;
      credited.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The channel ended or failed: writers get {@code e}. */
  void fail(AgentException e) {
    lock.lock();
    try {
      if (failure == null) {
        failure = e;
      }
      credited.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = reserve(len);
      channel.sendData(b, off, n);
      off += n;
      len -= n;
    }
  }

  private int reserve(int wanted) throws IOException {
    lock.lock();
    try {
      while (credit == 0 && failure == null && !closed) {
        credited.await();
      }
      if (failure != null) {
        throw AgentException.again(failure);
      }
      if (closed) {
        throw new IOException("stream 0 of channel " + channel.id() + " is closed");
      }
      int n = (int) Math.min(Math.min(wanted, credit), Protocol.MAX_DATA);
      credit -= n;
      return n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentException(
          AgentException.Reason.ABORTED, "interrupted writing to channel " + channel.id(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Sends EOF; later writes fail. Closing a failed or finished stream does nothing. */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (closed || failure != null) {
        closed = true;
        return;
      }
      closed = true;
      credited.signalAll();
    } finally {
      lock.unlock();
    }
    channel.sendEof();
  }
}
