package dev.banger.network;

import dev.banger.hostos.HostOsException;

/**
 * Setting up or tearing down VM networking failed: bridge, NAT, TAP, address allocation. The
 * message says what was tried, on which interface, subnet or VM, and why; the cause is kept.
 *
 * <p>Instances are immutable once thrown and may be shared across threads.
 */
public final class NetworkException extends HostOsException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message says what was tried, on what, and why it failed. */
  public NetworkException(String message) {
    super(message);
  }

  /** Same as {@link #NetworkException(String)}, keeping the underlying cause. */
  public NetworkException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The error for an action tried without the privilege to configure networking. */
  static NetworkException needsNetAdmin(String action) {
    return new NetworkException(
        "needs root (or CAP_NET_ADMIN): "
            + action
            + "; run bangerd as root, or use unprivileged mode (user-mode networking)");
  }
}
