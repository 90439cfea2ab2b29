package dev.banger.vmm;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices when a process that is not our child ends, such as a VMM adopted after a daemon restart.
 * {@link ProcessHandle#onExit()} also works for such a process, but it polls with a growing pause
 * of up to five seconds; a VM's exit should reach the user sooner, so this reads {@code
 * /proc/PID/stat} every 100 ms on a virtual thread. A changed start time means the pid was reused,
 * which also means our process is gone.
 *
 * <p>Stateless, so thread-safe.
 */
public final class ProcessExitWatch {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessExitWatch.class);
  private static final Duration INTERVAL = Duration.ofMillis(100);

  private ProcessExitWatch() {}

  /** Completes, with no exit code (only a parent can read it), once {@code process} has ended. */
  public static CompletableFuture<OptionalInt> watch(ProcessIdentity process) {
    CompletableFuture<OptionalInt> ended = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("vmm-exit-watch-" + process.pid())
        .start(
            () -> {
              try {
                awaitEnd(process);
                ended.complete(OptionalInt.empty());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended.completeExceptionally(e);
              }
            });
    return ended;
  }

  private static void awaitEnd(ProcessIdentity process) throws InterruptedException {
    boolean warned = false;
    while (true) {
      try {
        Optional<ProcessIdentity> now = ProcessIdentity.of(process.pid());
        if (now.isEmpty() || now.get().startTimeTicks() != process.startTimeTicks()) {
          return;
        }
      } catch (VmmException e) {
        if (!warned) {
          LOG.warn("Cannot check whether pid {} still runs; will keep trying", process.pid(), e);
          warned = true;
        }
      }
      Thread.sleep(INTERVAL);
    }
  }
}
