package dev.banger.daemon.store;

/** The state database cannot be opened or used; the message names the file and what to do. */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an error with a cause. */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Creates an error without a cause. */
  public StoreException(String message) {
    super(message);
  }
}
