package dev.banger.vmm.qemu;

import dev.banger.vmm.VmmException;

/**
 * A QMP exchange with QEMU failed: the socket could not be reached, closed early, a command timed
 * out or QEMU answered with an error (whose class and description the message quotes).
 *
 * <p>Immutable, so thread-safe.
 */
public final class QmpException extends VmmException {
  private static final long serialVersionUID = 1L;

  /** An error with a complete message. */
  public QmpException(String message) {
    super(message);
  }

  /** An error with a complete message and its cause. */
  public QmpException(String message, Throwable cause) {
    super(message, cause);
  }
}
