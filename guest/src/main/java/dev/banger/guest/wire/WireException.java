package dev.banger.guest.wire;

import java.io.IOException;

/**
 * A payload or frame that does not follow the protocol. The message says which rule it broke; the
 * receiver closes the channel it arrived on. Immutable.
 */
public final class WireException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with the rule that was broken. */
  public WireException(String message) {
    super(message);
  }
}
