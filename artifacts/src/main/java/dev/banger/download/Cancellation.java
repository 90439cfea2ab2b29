package dev.banger.download;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A cancellation flag shared between the code that starts long work (a download, a kernel build)
 * and the code that does it.
 *
 * <p>Work is cancelled when {@link #cancel()} was called or when the working thread is interrupted.
 * Work that blocks in a way a flag cannot reach (a socket read, a child process) registers an
 * action with {@link #onCancel(Runnable)} that unblocks it. This class is thread-safe: {@link
 * #cancel()} is meant to be called from another thread.
 */
public final class Cancellation {

  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final List<Runnable> actions = new CopyOnWriteArrayList<>();

  /** Returns a fresh, not yet cancelled flag. */
  public static Cancellation create() {
    return new Cancellation();
  }

  /** Cancels the work and runs the registered unblocking actions (each at most once). */
  public void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      for (Runnable action : actions) {
        // Removing first makes each action run once even if onCancel races with us.
        if (actions.remove(action)) {
          action.run();
        }
      }
    }
  }

  /** True once {@link #cancel()} was called or the calling thread has been interrupted. */
  public boolean isCancelled() {
    return cancelled.get() || Thread.currentThread().isInterrupted();
  }

  /** True once {@link #cancel()} was called, whatever the interrupt status of any thread. */
  public boolean cancelRequested() {
    return cancelled.get();
  }

  /**
   * Throws {@link CancellationException} naming {@code what} if the work was cancelled.
   *
   * @param what the work being done, for the message ("download of https://...")
   */
  public void throwIfCancelled(String what) {
    if (isCancelled()) {
      throw new CancellationException(what + " was cancelled");
    }
  }

  /**
   * Registers an action run when {@link #cancel()} is called; runs it at once if the flag is
   * already set. Returns a handle that unregisters it, for use in try-with-resources.
   */
  public Registration onCancel(Runnable action) {
    actions.add(action);
    if (cancelled.get() && actions.remove(action)) {
      action.run();
    }
    return () -> actions.remove(action);
  }

  /** Unregisters an action given to {@link #onCancel(Runnable)}. */
  @FunctionalInterface
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }
}
