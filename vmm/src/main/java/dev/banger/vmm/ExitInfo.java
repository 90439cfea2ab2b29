package dev.banger.vmm;

import java.time.Instant;
import java.util.OptionalInt;

/**
 * How and when a VMM process ended.
 *
 * <p>Immutable, so thread-safe.
 *
 * @param vmId the VM the process ran
 * @param pid the process id it had
 * @param exitCode its exit status; empty for an adopted process, whose status only its parent could
 *     read, and when it was ended by a signal the status does not say
 * @param cause why it ended, as far as the driver knows
 * @param at when the driver noticed the end
 */
public record ExitInfo(String vmId, long pid, OptionalInt exitCode, Cause cause, Instant at) {

  /** Why the VMM process ended. */
  public enum Cause {
    /** It ended after {@link VmmProcess#stopGracefully} asked the guest to shut down. */
    STOPPED,
    /** banger killed it: {@link VmmProcess#kill()}, or a graceful stop that timed out. */
    KILLED,
    /** It ended without banger asking: guest poweroff or reboot, a crash, an outside kill. */
    EXITED
  }
}
