package dev.banger.download;

/**
 * Receives the progress of a long transfer or build step, in bytes.
 *
 * <p>Called on the thread doing the work, often many times a second: implementations should be
 * cheap and must be thread-safe if one instance is shared between transfers.
 */
@FunctionalInterface
public interface ProgressListener {

  /** A listener that ignores every report. */
  ProgressListener NONE = (done, total) -> {};

  /**
   * Reports progress.
   *
   * @param bytesDone bytes transferred so far (never decreasing within one attempt)
   * @param bytesTotal the expected total, or -1 when the size is not known
   */
  void progress(long bytesDone, long bytesTotal);
}
