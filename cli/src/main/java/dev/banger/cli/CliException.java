package dev.banger.cli;

/** A failure the CLI reports as one line on stderr, with its exit code. */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  /** An error that exits with status 1. */
  public CliException(String message) {
    this(message, 1);
  }

  /** An error that exits with {@code exitCode} (for example a command's own exit status). */
  public CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  /** The process exit status. */
  public int exitCode() {
    return exitCode;
  }
}
