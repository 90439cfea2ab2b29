package dev.banger.vmm;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Checks on the Unix sockets a VMM serves: whether a path fits in {@code sun_path} and whether
 * something accepts connections on it yet.
 *
 * <p>Stateless, so thread-safe.
 */
public final class UnixSockets {
  /** {@code sizeof(sun_path)} on Linux, including the terminating NUL. */
  private static final int SUN_PATH_BYTES = 108;

  private static final long POLL_MILLIS = 10;

  private UnixSockets() {}

  /**
   * Rejects a socket path longer than the kernel accepts; VMMs fail on it with a less clear
   * message, or silently truncate it.
   */
  public static void requireFits(Path socket) throws VmmException {
    int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (length >= SUN_PATH_BYTES) {
      throw new VmmException(
          "Socket path "
              + socket
              + " is "
              + length
              + " bytes long; Unix sockets allow at most "
              + (SUN_PATH_BYTES - 1)
              + ". Use a shorter runtime directory.");
    }
  }

  /** Whether something accepts a connection on {@code socket} right now. */
  public static boolean accepts(Path socket) {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return channel.isConnected();
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /**
   * Waits until {@code socket} accepts connections, while {@code process} lives, for at most {@code
   * timeout}.
   *
   * @param what names the socket and VM in error messages, for example "API socket of VM x"
   * @throws VmmException if the process exits first or the time runs out
   */
  public static void awaitAccepting(
      Path socket, ProcessHandle process, Duration timeout, String what)
      throws VmmException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!accepts(socket)) {
      if (!process.isAlive()) {
        throw new VmmException(
            "The VMM (pid "
                + process.pid()
                + ") exited before its "
                + what
                + " "
                + socket
                + " accepted connections");
      }
      if (System.nanoTime() - deadline > 0) {
        throw new VmmException(
            "The "
                + what
                + " "
                + socket
                + " did not accept connections within "
                + timeout
                + " (pid "
                + process.pid()
                + " is still running)");
      }
      TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
    }
  }
}
