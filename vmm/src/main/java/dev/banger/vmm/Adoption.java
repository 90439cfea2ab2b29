package dev.banger.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps both drivers share when they re-attach to a VMM after a daemon restart, or undo a start
 * that failed: prove the persisted pid is still the same process, and kill what can no longer be
 * driven.
 *
 * <p>Stateless, so thread-safe.
 */
public final class Adoption {
  private static final Logger LOG = LoggerFactory.getLogger(Adoption.class);

  /** How long a killed VMM may take to disappear. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private Adoption() {}

  /**
   * Returns the identity of the persisted process after checking that the pid still runs the
   * process that was started: same start time and same command line.
   *
   * @throws VmmGoneException if the process is gone or the pid now belongs to another process
   */
  public static ProcessIdentity identify(VmmState state) throws VmmException {
    Optional<ProcessIdentity> now = ProcessIdentity.of(state.pid());
    if (now.isEmpty()) {
      throw new VmmGoneException(
          VmmGoneException.Reason.NOT_RUNNING,
          "VM " + state.vmId() + ": its " + state.vmm() + " (pid " + state.pid() + ") has exited");
    }
    ProcessIdentity expected =
        new ProcessIdentity(state.pid(), state.startTimeTicks(), state.commandLine());
    if (!now.get().sameProcessAs(expected)) {
      throw new VmmGoneException(
          VmmGoneException.Reason.DIFFERENT_PROCESS,
          "VM "
              + state.vmId()
              + ": pid "
              + state.pid()
              + " now runs another process ("
              + String.join(" ", now.get().commandLine())
              + "); its "
              + state.vmm()
              + " has exited");
    }
    return now.get();
  }

  /**
   * A handle on the persisted process; the JDK binds it to the start time so a later kill cannot
   * reach a process that reused the pid.
   *
   * @throws VmmGoneException if the process ended in the meantime
   */
  public static ProcessHandle handle(VmmState state) throws VmmGoneException {
    return ProcessHandle.of(state.pid())
        .orElseThrow(
            () ->
                new VmmGoneException(
                    VmmGoneException.Reason.NOT_RUNNING,
                    "VM " + state.vmId() + ": " + state.vmm() + " pid " + state.pid() + " ended"));
  }

  /**
   * Kills a VMM whose control socket does not answer, removes its sockets and returns the exception
   * that reports it gone. Nothing could stop or reconfigure it any more, and leaving it running
   * would keep the guest's disks and TAP device busy.
   */
  public static VmmGoneException killUnresponsive(
      VmmState state, ProcessHandle handle, Exception why) throws InterruptedException {
    LOG.warn(
        "VM {}: {} pid {} does not answer on {}; killing it",
        state.vmId(),
        state.vmm(),
        state.pid(),
        state.controlSocket(),
        why);
    handle.destroyForcibly();
    awaitExit(handle.onExit(), why);
    for (Path socket : List.of(state.controlSocket(), state.agentSocket())) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        why.addSuppressed(e);
      }
    }
    VmmGoneException gone =
        new VmmGoneException(
            VmmGoneException.Reason.UNRESPONSIVE,
            "VM "
                + state.vmId()
                + ": its "
                + state.vmm()
                + " (pid "
                + state.pid()
                + ") did not answer on "
                + state.controlSocket()
                + " ("
                + why.getMessage()
                + ") and was killed");
    gone.initCause(why);
    return gone;
  }

  /**
   * Undoes a failed start: kills the process if it runs, waits for it to end, then removes the
   * files the start created. Failures are added to {@code failure} as suppressed exceptions.
   */
  public static void killAndRemove(Process process, RuntimeFiles files, Exception failure)
      throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      awaitExit(process.onExit(), failure);
    }
    try {
      files.removeAll();
    } catch (VmmException e) {
      failure.addSuppressed(e);
    }
  }

  private static void awaitExit(CompletableFuture<?> exit, Exception failure)
      throws InterruptedException {
    try {
      exit.get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      failure.addSuppressed(e);
    }
  }
}
