package dev.banger.daemon.op;

import dev.banger.download.Cancellation;
import java.nio.file.Path;

/**
 * What the work of an operation reports through: its phase, its progress, the partial files it is
 * writing (removed if the daemon dies mid-way), and its cancellation flag. Thread-safe.
 */
public interface OperationContext {
  /** The operation has entered {@code phase}; progress restarts at zero. */
  void phase(String phase);

  /** Enters {@code phase} unless the operation is already in it. */
  void phaseIfChanged(String phase);

  /** Progress in bytes, {@code total} -1 when unknown. */
  void bytes(long done, long total);

  /** Progress in percent. */
  void percent(int percent);

  /** Records a partial file or directory that must be deleted if the operation never ends. */
  void partial(Path path);

  /** The flag that {@code op cancel} sets. */
  Cancellation cancellation();
}
