package dev.banger.guest.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Host-initiated vsock through Firecracker: connect to the VM's vsock Unix socket, send {@code
 * CONNECT <port>\n} and read {@code OK <host port>\n}. End of stream instead means nothing in the
 * guest listens on the port yet. Stateless and thread-safe.
 */
public final class FirecrackerVsockHandshake {
  private static final int MAX_REPLY = 64;
  private static final Pattern OK = Pattern.compile("OK [0-9]+");

  private FirecrackerVsockHandshake() {}

  /** Connects to guest port {@code port} through the socket at {@code udsPath}. */
  public static TransportConnection connect(Path udsPath, int port, Duration timeout)
      throws IOException {
    String description = "firecracker vsock " + udsPath + " port " + port;
    UnixSocketConnection conn = UnixSocketConnection.connect(udsPath, description);
    // Firecracker answers at once; a silent peer is not Firecracker. The watchdog closes the
    // socket, which ends the blocked read below.
    CompletableFuture<Void> watchdog =
        CompletableFuture.runAsync(
            conn::close,
            CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));
    try {
      conn.output().write(("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII));
      String reply = readLine(conn.input());
      if (reply == null) {
        throw new IOException(
            "tried CONNECT "
                + port
                + " on "
                + udsPath
                + " but nothing in the guest listens"
                + " on that port yet (end of stream)");
      }
      if (!OK.matcher(reply).matches()) {
        throw new IOException(
            "tried CONNECT " + port + " on " + udsPath + " but got \"" + reply + "\"");
      }
      return conn;
    } catch (IOException e) {
      conn.close();
      if (watchdog.isDone()) {
        throw new IOException(
            "no answer to CONNECT " + port + " on " + udsPath + " within " + timeout, e);
      }
      throw e;
    } finally {
      watchdog.cancel(false);
    }
  }

  /** Reads up to a newline, byte by byte so that nothing after it is consumed. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < MAX_REPLY; i++) {
      int b = in.read();
      if (b < 0) {
        return line.isEmpty() ? null : line.toString();
      }
      if (b == '\n') {
        return line.toString();
      }
      line.append((char) b);
    }
    return line.toString();
  }
}
