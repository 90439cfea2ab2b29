package dev.banger.vmm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A running VMM process for one VM, either started or adopted by a {@link VmmDriver}. When the
 * process ends, by any cause, the driver removes the sockets it owned and then completes {@link
 * #exited()}.
 *
 * <p>Implementations are thread-safe.
 */
public interface VmmProcess {

  /** The VMM's process id. */
  long pid();

  /** What to persist so that a restarted daemon can adopt this process. */
  VmmState state();

  /**
   * The Unix socket of the guest agent: Firecracker's vsock socket or QEMU's virtio serial chardev
   * socket. {@link VmmState#agentTransport()} says how to speak on it.
   */
  Path agentSocket();

  /** Whether the process is still running. */
  boolean isAlive();

  /**
   * Asks the guest to shut down (Firecracker: Ctrl+Alt+Del; QEMU: ACPI power button), waits up to
   * {@code timeout} for the VMM to exit, then kills it. Returns once the process is gone.
   *
   * @throws VmmException if the process survived even the kill
   * @throws InterruptedException if interrupted while waiting
   */
  ExitInfo stopGracefully(Duration timeout) throws VmmException, InterruptedException;

  /** Sends SIGKILL and returns at once; {@link #exited()} completes when the process is gone. */
  void kill();

  /** Completes once the process has ended and its sockets are removed; never fails. */
  CompletableFuture<ExitInfo> exited();

  /** Runs {@code listener} once the process has ended (at once if it already has). */
  void onExit(Consumer<ExitInfo> listener);
}
