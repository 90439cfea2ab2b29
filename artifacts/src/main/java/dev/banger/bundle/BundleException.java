package dev.banger.bundle;

import java.io.Serial;

/**
 * Writing or reading a bundle failed: a file does not match the manifest, the manifest is
 * malformed, the archive is hostile, or I/O failed. The message names the bundle and the file.
 */
public final class BundleException extends Exception {

  @Serial private static final long serialVersionUID = 1L;

  /** Creates an error whose message names the bundle, the file and the reason. */
  public BundleException(String message) {
    super(message);
  }

  /** Creates an error that keeps the underlying cause. */
  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
