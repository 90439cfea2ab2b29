package dev.banger.guest;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A TCP connection to a port inside the guest, carried over the agent (port forwarding without the
 * network). Closing {@link #output()} half-closes the connection; {@link #close()} ends it.
 * Thread-safe: one thread may read while another writes.
 */
public final class GuestConnection implements AutoCloseable {
  private final Channel channel;

  GuestConnection(Channel channel) {
    this.channel = channel;
  }

  /** Bytes from the guest port; end of stream when the guest side closes. */
  public InputStream input() {
    return channel.stdout();
  }

  /** Bytes to the guest port. */
  public OutputStream output() {
    return channel.stdin();
  }

  /** Ends the connection in both directions. */
  @Override
  public void close() {
    channel.abort("the host closed the connection");
  }
}
