package dev.banger.hostos;

import java.io.IOException;

/**
 * A host operating-system operation failed: a native call returned an error, an external command
 * could not be started or exited non-zero, or the process lacks a privilege the operation needs.
 * The message names the operation, its subject (path, device, command line) and the reason.
 *
 * <p>Instances are immutable once thrown and may be shared across threads.
 */
public class HostOsException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message says what was tried, on what, and why it failed. */
  public HostOsException(String message) {
    super(message);
  }

  /** Same as {@link #HostOsException(String)}, keeping the underlying cause. */
  public HostOsException(String message, Throwable cause) {
    super(message, cause);
  }
}
