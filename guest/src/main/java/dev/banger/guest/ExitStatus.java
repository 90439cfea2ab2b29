package dev.banger.guest;

/**
 * How a command in the guest ended. Immutable.
 *
 * @param signaled whether a signal killed it
 * @param value its exit status, or the number of the signal
 */
public record ExitStatus(boolean signaled, int value) {
  /** The status a shell would report: the exit status, or 128 plus the signal number. */
  public int code() {
    return signaled ? 128 + value : value;
  }

  /** Whether the command exited with status 0. */
  public boolean success() {
    return !signaled && value == 0;
  }

  @Override
  public String toString() {
    return signaled ? "killed by signal " + value : "exit status " + value;
  }
}
