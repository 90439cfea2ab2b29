package dev.banger.guest;

import java.io.IOException;

/**
 * A failure talking to the guest agent or of what it was asked to do. The message says what was
 * tried, on what, and why; {@link #reason()} classifies it for callers that react differently
 * (retry on {@link Reason#UNREACHABLE}, report {@link Reason#NOT_FOUND} to the user). Immutable.
 */
public final class AgentException extends IOException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is. */
  public enum Reason {
    /** No connection to the agent could be made (VM not started, agent not listening). */
    UNREACHABLE,
    /** The agent did not answer in time. */
    TIMEOUT,
    /** The connection to the agent ended (VM stopped, restarted or restored). */
    CONNECTION_LOST,
    /** One side broke the protocol; the channel or connection was closed. */
    PROTOCOL,
    /** The agent refused a request as invalid. */
    INVALID,
    /** A path, program or user does not exist in the guest. */
    NOT_FOUND,
    /** The guest refused for lack of permission. */
    PERMISSION,
    /** Reading or writing failed in the guest or on the host. */
    IO,
    /** Nothing listens on the guest port that was dialed. */
    REFUSED,
    /** A limit was reached (channels, sizes). */
    LIMIT,
    /** The operation was cancelled. */
    ABORTED,
    /** The agent does not support the request. */
    UNSUPPORTED
  }

  private final Reason reason;

  /** Creates the exception. */
  public AgentException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** Creates the exception, keeping its cause. */
  public AgentException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** What kind of failure this is. */
  public Reason reason() {
    return reason;
  }

  /**
   * A new exception with the same reason and message, caused by {@code e}: for failures that
   * several threads or streams report, since one instance must not be thrown twice (a
   * try-with-resources would add it to itself as suppressed).
   */
  static AgentException again(AgentException e) {
    return new AgentException(e.reason, e.getMessage(), e);
  }

  /** The reason that a CLOSE code from the agent stands for. */
  static Reason fromCloseCode(int code) {
    return switch (code) {
      case 1 -> Reason.PROTOCOL;
      case 2 -> Reason.UNSUPPORTED;
      case 3 -> Reason.INVALID;
      case 4 -> Reason.NOT_FOUND;
      case 5 -> Reason.PERMISSION;
      case 7 -> Reason.REFUSED;
      case 8 -> Reason.LIMIT;
      case 9 -> Reason.ABORTED;
      default -> Reason.IO;
    };
  }
}
