package dev.banger.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a {@link VmmProcess} both drivers share: exit detection, the kill, the graceful stop
 * with its fallback to a kill, and removing the VMM's sockets once it is gone. A driver supplies
 * only how to ask its guest to shut down.
 *
 * <p>Thread-safe: the exit state is held in atomics and a {@link CompletableFuture}.
 */
public abstract class SupervisedProcess implements VmmProcess {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisedProcess.class);

  /** How long a SIGKILLed VMM may take to disappear before we call it stuck. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private final VmmState state;
  private final ProcessHandle handle;
  private final List<Path> leftovers;
  private final AtomicReference<ExitInfo.Cause> cause =
      new AtomicReference<>(ExitInfo.Cause.EXITED);
  private final CompletableFuture<ExitInfo> exited = new CompletableFuture<>();

  /**
   * Supervises the process described by {@code state}.
   *
   * @param handle the process; for an adopted one it must come from {@link ProcessHandle#of} so
   *     that a kill cannot reach a later process with the same pid
   * @param ended completes, with the exit code if known, when the process has ended
   * @param leftovers files the VMM may leave behind, removed once it has ended, besides its control
   *     and agent sockets and the jail directory
   */
  protected SupervisedProcess(
      VmmState state,
      ProcessHandle handle,
      CompletableFuture<OptionalInt> ended,
      List<Path> leftovers) {
    this.state = state;
    this.handle = handle;
    this.leftovers = List.copyOf(leftovers);
    ended.whenComplete((code, error) -> finish(code == null ? OptionalInt.empty() : code));
  }

  /**
   * Asks the guest to shut down through the VMM's control socket, without waiting.
   *
   * @throws VmmException if the request could not be delivered
   */
  protected abstract void requestShutdown() throws VmmException;

  @Override
  public long pid() {
    return state.pid();
  }

  @Override
  public VmmState state() {
    return state;
  }

  @Override
  public Path agentSocket() {
    return state.agentSocket();
  }

  @Override
  public boolean isAlive() {
    return !exited.isDone() && handle.isAlive();
  }

  @Override
  public ExitInfo stopGracefully(Duration timeout) throws VmmException, InterruptedException {
    if (exited.isDone()) {
      return exited.join();
    }
    cause.compareAndSet(ExitInfo.Cause.EXITED, ExitInfo.Cause.STOPPED);
    try {
      requestShutdown();
    } catch (VmmException e) {
      LOG.warn("VM {}: shutdown request failed, killing pid {} instead", state.vmId(), pid(), e);
      kill();
    }
    ExitInfo info = await(timeout);
    if (info != null) {
      return info;
    }
    LOG.info("VM {} did not stop within {}; killing pid {}", state.vmId(), timeout, pid());
    kill();
    info = await(KILL_WAIT);
    if (info == null) {
      throw new VmmException(
          "VMM of VM "
              + state.vmId()
              + " (pid "
              + pid()
              + ") still runs "
              + KILL_WAIT.toSeconds()
              + " s after SIGKILL; it may be stuck in the kernel (state D)");
    }
    return info;
  }

  @Override
  public void kill() {
    cause.set(ExitInfo.Cause.KILLED);
    if (handle.isAlive()) {
      LOG.info("VM {}: killing VMM pid {}", state.vmId(), pid());
      handle.destroyForcibly();
    }
  }

  @Override
  public CompletableFuture<ExitInfo> exited() {
    return exited.copy();
  }

  @Override
  public void onExit(Consumer<ExitInfo> listener) {
    exited.thenAccept(
        info -> {
          try {
            listener.accept(info);
          } catch (RuntimeException e) {
            LOG.error("VM {}: an exit listener failed", state.vmId(), e);
          }
        });
  }

  private ExitInfo await(Duration timeout) throws InterruptedException {
    try {
      return exited.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      throw new IllegalStateException("the exit future never fails", e);
    }
  }

  private void finish(OptionalInt code) {
    removeLeftovers();
    ExitInfo info = new ExitInfo(state.vmId(), pid(), code, cause.get(), Instant.now());
    LOG.info(
        "VM {}: VMM pid {} ended ({}, exit code {})",
        state.vmId(),
        pid(),
        info.cause(),
        code.isPresent() ? code.getAsInt() : "unknown");
    exited.complete(info);
  }

  private void removeLeftovers() {
    List<Path> paths = new ArrayList<>(leftovers);
    paths.add(state.controlSocket());
    paths.add(state.agentSocket());
    for (Path path : paths) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        LOG.warn("VM {}: could not remove {} after the VMM ended", state.vmId(), path, e);
      }
    }
    if (state.jailDir().isPresent()) {
      try {
        RuntimeFiles.deleteTree(state.jailDir().get());
      } catch (IOException e) {
        LOG.warn("VM {}: could not remove jail {}", state.vmId(), state.jailDir().get(), e);
      }
    }
  }
}
