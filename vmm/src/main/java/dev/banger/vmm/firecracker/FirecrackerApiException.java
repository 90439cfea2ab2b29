package dev.banger.vmm.firecracker;

import dev.banger.vmm.VmmException;

/**
 * Firecracker refused one configuration step: it answered with an HTTP error and a {@code
 * fault_message}. The message names the step ("configuring boot-source") and quotes the fault.
 *
 * <p>Immutable, so thread-safe.
 */
public final class FirecrackerApiException extends VmmException {
  private static final long serialVersionUID = 1L;

  private final String step;
  private final int status;
  private final String faultMessage;

  /**
   * A refused step.
   *
   * @param vmId the VM being configured
   * @param step what was being done, for example "configuring boot-source"
   * @param status the HTTP status Firecracker answered with
   * @param faultMessage Firecracker's {@code fault_message}, or the raw body if it had none
   */
  public FirecrackerApiException(String vmId, String step, int status, String faultMessage) {
    super(
        "Firecracker refused "
            + step
            + " for VM "
            + vmId
            + " (HTTP "
            + status
            + "): \""
            + faultMessage
            + "\"");
    this.step = step;
    this.status = status;
    this.faultMessage = faultMessage;
  }

  /** The step that failed, for example "configuring boot-source". */
  public String step() {
    return step;
  }

  /** The HTTP status of Firecracker's answer. */
  public int status() {
    return status;
  }

  /** Firecracker's {@code fault_message}. */
  public String faultMessage() {
    return faultMessage;
  }
}
