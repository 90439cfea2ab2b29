package dev.banger.guest.archive;

import java.io.IOException;

/**
 * An archive that cannot be packed or unpacked safely; the message names the entry and the rule it
 * broke. Immutable.
 */
public final class ArchiveException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Whether the archive hit the size limit rather than breaking a rule. */
  private final boolean limit;

  /** Creates the exception. */
  public ArchiveException(String message, boolean limit) {
    super(message);
    this.limit = limit;
  }

  /** Creates the exception, keeping its cause. */
  public ArchiveException(String message, Throwable cause) {
    super(message, cause);
    this.limit = false;
  }

  /** Whether unpacking stopped at the size limit. */
  public boolean isLimit() {
    return limit;
  }
}
