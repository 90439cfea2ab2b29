package dev.banger.download;

import java.io.Serial;

/**
 * A download failed. The message names the URL, the target path and the reason; {@link #reason()}
 * lets a caller decide what to do next (for example build from a recipe when a bundle server is
 * unreachable, but stop on a checksum mismatch).
 */
public final class DownloadException extends Exception {

  @Serial private static final long serialVersionUID = 1L;

  /** Why a download failed. */
  public enum Reason {
    /** The server could not be reached or kept dropping the connection, retries included. */
    NETWORK,
    /** The server answered with an error status that retrying does not fix (404, 403...). */
    HTTP_STATUS,
    /** The content's SHA-256 is not the expected one. */
    CHECKSUM_MISMATCH,
    /** The content is larger or smaller than expected. */
    SIZE_MISMATCH,
    /** The target's file system has no room for the file. */
    NO_SPACE,
    /** Writing or moving the file failed for another reason. */
    LOCAL_IO
  }

  private final Reason reason;

  /** Creates an error for {@code reason}; the message names the URL, path and cause. */
  public DownloadException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** Creates an error that keeps the underlying cause. */
  public DownloadException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** Why the download failed. */
  public Reason reason() {
    return reason;
  }
}
