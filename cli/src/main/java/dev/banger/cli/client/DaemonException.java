package dev.banger.cli.client;

/**
 * An error answer of the daemon, or a failure to reach it. {@link #code} is the daemon's stable
 * error code, or {@code UNREACHABLE} when no answer came.
 */
public final class DaemonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  /** Creates an error with the daemon's code and message. */
  public DaemonException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** Creates an error with a cause. */
  public DaemonException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The daemon's error code. */
  public String code() {
    return code;
  }
}
