package dev.banger.disk;

import dev.banger.hostos.HostOsException;

/**
 * Creating, probing or tearing down a VM disk failed. The message says which step was tried, on
 * which image, file or device, and why; the cause is kept.
 *
 * <p>Instances are immutable once thrown and may be shared across threads.
 */
public final class DiskException extends HostOsException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message says what was tried, on what, and why it failed. */
  public DiskException(String message) {
    super(message);
  }

  /** Same as {@link #DiskException(String)}, keeping the underlying cause. */
  public DiskException(String message, Throwable cause) {
    super(message, cause);
  }
}
