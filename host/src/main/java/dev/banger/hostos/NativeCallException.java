package dev.banger.hostos;

/**
 * A system call made through FFM failed. Carries the {@link Errno} so that callers can tell a
 * capability the host lacks (for example {@code EOPNOTSUPP} from FICLONE) from a real failure.
 *
 * <p>Instances are immutable once thrown and may be shared across threads.
 */
public final class NativeCallException extends HostOsException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  /** Creates an exception for a call that failed with {@code errno}; the message says on what. */
  public NativeCallException(String message, Errno errno) {
    super(message + ": " + errno);
    this.errno = errno.code();
  }

  /** The error the system call reported. */
  public Errno errno() {
    return new Errno(errno);
  }
}
