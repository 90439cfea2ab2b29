package dev.banger.kernel;

/**
 * Follows a kernel build: which step it is in and, while downloading, how many bytes have arrived.
 * Called on the building thread; implementations shared between builds must be thread-safe.
 */
public interface KernelBuildListener {

  /** A listener that ignores everything. */
  KernelBuildListener NONE = new KernelBuildListener() {};

  /** The build entered {@code stage}. */
  default void stage(KernelBuildStage stage) {}

  /**
   * Download progress over all packages of the build.
   *
   * @param bytesDone bytes fetched so far
   * @param bytesTotal bytes to fetch in total
   */
  default void downloadProgress(long bytesDone, long bytesTotal) {}
}
