package dev.banger.vmm;

/**
 * {@link VmmDriver#adopt} found no VMM to re-attach to: the recorded process is not running, the
 * pid now belongs to another process, or the VMM no longer answers on its control socket (in which
 * case the driver has killed it, since nothing can drive it any more).
 *
 * <p>Immutable, so thread-safe.
 */
public final class VmmGoneException extends VmmException {
  private static final long serialVersionUID = 1L;

  /** Why the persisted VMM could not be adopted. */
  public enum Reason {
    /** No process with the recorded pid exists (or only its zombie remains). */
    NOT_RUNNING,
    /** The pid exists but its start time or command line differ: the pid was reused. */
    DIFFERENT_PROCESS,
    /** The process is the VMM but its control socket does not answer; it was killed. */
    UNRESPONSIVE
  }

  private final Reason reason;

  /** A gone VMM, with the reason and a message naming the VM and pid. */
  public VmmGoneException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** Why the VMM is considered gone. */
  public Reason reason() {
    return reason;
  }
}
