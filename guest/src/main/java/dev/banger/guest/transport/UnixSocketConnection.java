package dev.banger.guest.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connected Unix stream socket. Reads and writes go straight to the channel (not through {@code
 * Channels.newInputStream}, whose streams share a lock and would block a writer behind a blocked
 * reader). Safe for one reader thread and one writer thread at a time.
 */
public final class UnixSocketConnection implements TransportConnection {
  private static final Logger LOG = LoggerFactory.getLogger(UnixSocketConnection.class);

  private final SocketChannel channel;
  private final String description;
  private final InputStream input = new Input();
  private final OutputStream output = new Output();

  private UnixSocketConnection(SocketChannel channel, String description) {
    this.channel = channel;
    this.description = description;
  }

  /** Connects to the socket at {@code path}; {@code description} names it in messages. */
  public static UnixSocketConnection connect(Path path, String description) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(path));
      return new UnixSocketConnection(channel, description);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public InputStream input() {
    return input;
  }

  @Override
  public OutputStream output() {
    return output;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("closing {}: {}", description, e.toString());
    }
  }

  private final class Input extends InputStream {
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
      return channel.read(ByteBuffer.wrap(b, off, len));
    }
  }

  private final class Output extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(b, off, len);
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
    }
  }
}
