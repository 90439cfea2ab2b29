package dev.banger.daemon.http;

import dev.banger.api.ErrorCode;

/**
 * A failure that the API answers as JSON with a stable code. The message names the thing involved
 * (VM, image, kernel, path) and what the user can do.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  /** Creates an error with a code and a message. */
  public ApiException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  /** Creates an error with a code, a message and the cause. */
  public ApiException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The stable code. */
  public ErrorCode code() {
    return code;
  }

  /** A {@link ErrorCode#NOT_FOUND} error. */
  public static ApiException notFound(String message) {
    return new ApiException(ErrorCode.NOT_FOUND, message);
  }

  /** A {@link ErrorCode#BAD_REQUEST} error. */
  public static ApiException badRequest(String message) {
    return new ApiException(ErrorCode.BAD_REQUEST, message);
  }

  /** A {@link ErrorCode#CONFLICT} error. */
  public static ApiException conflict(String message) {
    return new ApiException(ErrorCode.CONFLICT, message);
  }
}
