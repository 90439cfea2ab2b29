package dev.banger.kernel;

import java.io.Serial;

/**
 * Fetching, unpacking, inspecting or assembling a kernel failed. The message says what was tried,
 * on which package or path, and why; the cause is kept.
 */
public class KernelException extends Exception {

  @Serial private static final long serialVersionUID = 1L;

  /** Creates an error whose message names the package or path and the reason. */
  public KernelException(String message) {
    super(message);
  }

  /** Creates an error that keeps the underlying cause. */
  public KernelException(String message, Throwable cause) {
    super(message, cause);
  }
}
