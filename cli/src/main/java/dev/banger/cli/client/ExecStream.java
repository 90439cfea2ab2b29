package dev.banger.cli.client;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A full-duplex request to the daemon: the request body goes out in chunked transfer coding, line
 * by line, while the answer streams back. Used by {@code vm exec} and {@code vm run}. Sending is
 * thread-safe; reading belongs to one thread.
 */
public final class ExecStream implements AutoCloseable {
  private final SocketChannel channel;
  private final OutputStream out;
  private HttpResponse response;

  ExecStream(SocketChannel channel, String path) throws IOException {
    this.channel = channel;
    this.out = Channels.newOutputStream(channel);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: bangerd\r\nConnection: close\r\n"
            + "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Sends one line of the request body as a chunk. */
  public synchronized void send(byte[] line) throws IOException {
    String size = Integer.toHexString(line.length + 1) + "\r\n";
    out.write(size.getBytes(StandardCharsets.US_ASCII));
    out.write(line);
    out.write("\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Ends the request body. */
  public synchronized void finish() throws IOException {
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** The answer; its body yields the daemon's lines as they come. */
  public HttpResponse response() throws IOException {
    if (response == null) {
      response =
          HttpResponse.read(
              new java.io.BufferedInputStream(Channels.newInputStream(channel), 65536));
    }
    return response;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
