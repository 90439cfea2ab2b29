package dev.banger.vmm;

/**
 * A VMM driver could not do what was asked: spawn, configure, boot, stop or re-attach to a VMM. The
 * message says what was tried, on which VM or path, and why; the cause is kept.
 *
 * <p>Immutable, so thread-safe.
 */
public class VmmException extends Exception {
  private static final long serialVersionUID = 1L;

  /** An error with a complete message and no underlying cause. */
  public VmmException(String message) {
    super(message);
  }

  /** An error with a complete message that wraps the failure that caused it. */
  public VmmException(String message, Throwable cause) {
    super(message, cause);
  }
}
