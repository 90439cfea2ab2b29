package dev.banger.archive;

import java.io.Serial;

/**
 * Extracting or writing an archive failed: the archive is hostile or malformed (an entry that would
 * escape its root, a device file, too many or too large entries), or reading or writing it failed.
 * The message names the archive, the entry and the reason.
 */
public final class ArchiveExtractionException extends Exception {

  @Serial private static final long serialVersionUID = 1L;

  /** Creates an error with a message that names the archive, the entry and the reason. */
  public ArchiveExtractionException(String message) {
    super(message);
  }

  /** Creates an error that keeps the underlying cause. */
  public ArchiveExtractionException(String message, Throwable cause) {
    super(message, cause);
  }
}
