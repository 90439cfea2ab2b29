package dev.banger.daemon.vm;

import dev.banger.api.ErrorCode;
import dev.banger.daemon.http.ApiException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Probes a guest's SSH server the way a client first meets it: a TCP connection that must be
 * greeted with {@code SSH-}. A bare connection proves nothing, because QEMU's user-mode network
 * accepts on a forwarded port before anything in the guest listens. Stateless.
 */
final class SshBanner {
  private static final Duration RETRY = Duration.ofMillis(250);

  private SshBanner() {}

  /** Empty when the server at {@code host:port} greets with an SSH banner, else what went wrong. */
  static Optional<String> probe(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      s.setSoTimeout(5000);
      byte[] banner = s.getInputStream().readNBytes(4);
      if ("SSH-".equals(new String(banner, StandardCharsets.US_ASCII))) {
        return Optional.empty();
      }
      return Optional.of("no SSH banner");
    } catch (IOException e) {
      return Optional.of(String.valueOf(e.getMessage()));
    }
  }

  /** Waits until the SSH server of VM {@code vm} answers, failing after {@code limit}. */
  static void await(String vm, String host, int port, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      Optional<String> failure = probe(host, port);
      if (failure.isEmpty()) {
        return;
      }
      last = failure.get();
      Thread.sleep(RETRY);
    }
    throw new ApiException(
        ErrorCode.CONFLICT,
        "the SSH server of VM '"
            + vm
            + "' at "
            + host
            + ":"
            + port
            + " did not answer within "
            + limit.toSeconds()
            + " s ("
            + last
            + "); `banger vm exec "
            + vm
            + " -- systemctl status ssh` shows why");
  }

  /** The pause between two probes of a server that is not up yet. */
  static Duration retry() {
    return RETRY;
  }
}
