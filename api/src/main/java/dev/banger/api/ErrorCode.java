package dev.banger.api;

/**
 * Stable error codes of the daemon API. The code is part of the contract: scripts match on it, so a
 * code is never renamed; new failures get new codes.
 */
public enum ErrorCode {
  /** The request is malformed or a parameter is invalid. */
  BAD_REQUEST(400),
  /** The named VM, image, kernel or operation does not exist. */
  NOT_FOUND(404),
  /** The route or method does not exist in this API version. */
  NO_SUCH_ROUTE(404),
  /** The thing exists but its state forbids the action (e.g. rm of a running VM). */
  CONFLICT(409),
  /** The action needs root or a capability the daemon does not have. */
  NEEDS_ROOT(403),
  /** The host lacks something the action needs (KVM, a binary, a kernel feature). */
  HOST_UNSUPPORTED(412),
  /**
   * The VM runs but its guest agent does not answer (it became ready over SSH): exec and cp need
   * the agent, ssh does not.
   */
  NO_AGENT(409),
  /** Something failed inside the daemon; the message and the daemon log say what. */
  INTERNAL(500);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  /** The HTTP status this code is answered with. */
  public int httpStatus() {
    return httpStatus;
  }
}
