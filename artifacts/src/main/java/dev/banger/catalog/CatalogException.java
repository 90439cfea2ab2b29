package dev.banger.catalog;

import java.io.Serial;

/**
 * A catalog file is unreadable or malformed. The message names the file (or the embedded resource),
 * the place in it ("images[1].sources.bundle.sha256") and the problem.
 */
public final class CatalogException extends Exception {

  @Serial private static final long serialVersionUID = 1L;

  /** Creates an error naming the file, the place in it and the problem. */
  public CatalogException(String message) {
    super(message);
  }

  /** Creates an error that keeps the underlying cause. */
  public CatalogException(String message, Throwable cause) {
    super(message, cause);
  }
}
