package dev.banger.network;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

/**
 * Networking for unprivileged mode: QEMU's user-mode stack (slirp) with the guest's SSH port
 * forwarded from a free localhost port. Needs no root, no bridge, no TAP. The guest gets QEMU's
 * fixed slirp addresses (see docs/guest-boot-contract.md). Immutable and thread-safe.
 *
 * <p>Limitations: the port is found free by binding {@code 127.0.0.1:0} and released before QEMU
 * binds it, so another program could take it in between; QEMU then fails to start, and a retry
 * picks a new port.
 *
 * @param sshPort the localhost TCP port forwarded to the guest's port 22
 */
public record UserModeNetwork(int sshPort) {
  /** The guest address slirp expects. */
  public static final String GUEST_ADDRESS = "10.0.2.15/24";

  /** Slirp's gateway. */
  public static final String GATEWAY = "10.0.2.2";

  /** Slirp's DNS forwarder. */
  public static final String DNS = "10.0.2.3";

  /** Rejects ports outside 1..65535. */
  public UserModeNetwork {
    if (sshPort < 1 || sshPort > 65535) {
      throw new IllegalArgumentException("SSH port %d is not a TCP port".formatted(sshPort));
    }
  }

  /**
   * A user-mode network whose SSH port is currently free on 127.0.0.1.
   *
   * @throws NetworkException when no port can be bound on the loopback interface
   */
  public static UserModeNetwork allocate() throws NetworkException {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return new UserModeNetwork(probe.getLocalPort());
    } catch (IOException e) {
      throw new NetworkException("could not find a free TCP port on 127.0.0.1 for SSH", e);
    }
  }

  /** The QEMU {@code hostfwd} value: {@code tcp:127.0.0.1:PORT-:22}. */
  public String hostForward() {
    return "tcp:127.0.0.1:%d-:22".formatted(sshPort);
  }

  /** The boot parameters that give the guest slirp's fixed addresses. */
  public List<String> bootParameters() {
    return List.of("banger.ip=" + GUEST_ADDRESS, "banger.gw=" + GATEWAY, "banger.dns=" + DNS);
  }
}
