package dev.banger.vmm;

/**
 * How the host reaches the guest agent through {@link VmmProcess#agentSocket()}.
 *
 * <p>Immutable, so thread-safe.
 */
public enum AgentTransport {
  /**
   * Firecracker's vsock bridge: connect to the Unix socket, send {@code CONNECT <port>\n} and read
   * {@code OK <hostport>\n} before the byte stream to the guest begins.
   */
  FIRECRACKER_VSOCK,
  /** A virtio serial port bound to a Unix socket: the stream begins at once. */
  VIRTIO_SERIAL
}
