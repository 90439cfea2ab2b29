package dev.banger.guest;

import dev.banger.guest.transport.FirecrackerVsockHandshake;
import dev.banger.guest.transport.TransportConnection;
import dev.banger.guest.transport.UnixSocketConnection;
import dev.banger.guest.wire.Protocol;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the host reaches a guest's agent. Every transport carries the same protocol; they differ in
 * how the byte stream is opened. Immutable.
 */
public sealed interface AgentTransport {
  /** Opens a byte stream to the agent; {@code timeout} bounds any handshake. */
  TransportConnection open(Duration timeout) throws IOException;

  /** What this transport is, for messages. */
  String describe();

  /** The agent's own Unix socket ({@code --transport unix}), as in tests on the host. */
  static AgentTransport unixSocket(Path path) {
    return new UnixSocket(path);
  }

  /** Firecracker's vsock Unix socket, connecting to the agent's port 10789. */
  static AgentTransport firecrackerVsock(Path udsPath) {
    return new FirecrackerVsock(udsPath, Protocol.VSOCK_PORT);
  }

  /** Firecracker's vsock Unix socket, connecting to {@code port} in the guest. */
  static AgentTransport firecrackerVsock(Path udsPath, int port) {
    return new FirecrackerVsock(udsPath, port);
  }

  /**
   * QEMU's Unix socket chardev behind the {@code virtserialport} named {@code banger.agent} ({@code
   * -chardev socket,id=agent,path=PATH,server=on,wait=off}).
   */
  static AgentTransport serialSocket(Path path) {
    return new SerialSocket(path);
  }

  /**
   * The agent's Unix socket.
   *
   * @param path the socket file
   */
  record UnixSocket(Path path) implements AgentTransport {
    /** Checks the path. */
    public UnixSocket {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public TransportConnection open(Duration timeout) throws IOException {
      return UnixSocketConnection.connect(path, describe());
    }

    @Override
    public String describe() {
      return "unix socket " + path;
    }
  }

  /**
   * Firecracker's host side of the guest's vsock device.
   *
   * @param udsPath the {@code uds_path} of the VM's vsock device
   * @param port the guest port to connect to
   */
  record FirecrackerVsock(Path udsPath, int port) implements AgentTransport {
    /** Checks the arguments. */
    public FirecrackerVsock {
      Objects.requireNonNull(udsPath, "udsPath");
      if (port <= 0) {
        throw new IllegalArgumentException("vsock port must be positive: " + port);
      }
    }

    @Override
    public TransportConnection open(Duration timeout) throws IOException {
      return FirecrackerVsockHandshake.connect(udsPath, port, timeout);
    }

    @Override
    public String describe() {
      return "firecracker vsock " + udsPath + " port " + port;
    }
  }

  /**
   * QEMU's serial chardev socket. QEMU serves one client at a time; a second connection waits until
   * the first closes.
   *
   * @param path the chardev socket file
   */
  record SerialSocket(Path path) implements AgentTransport {
    /** Checks the path. */
    public SerialSocket {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public TransportConnection open(Duration timeout) throws IOException {
      return UnixSocketConnection.connect(path, describe());
    }

    @Override
    public String describe() {
      return "serial socket " + path;
    }
  }
}
