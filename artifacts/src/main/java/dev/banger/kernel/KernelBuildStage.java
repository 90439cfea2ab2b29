package dev.banger.kernel;

/** The steps of preparing a kernel from a Debian package, in order. Immutable, thread-safe. */
public enum KernelBuildStage {
  /** Asking apt which package and version to fetch. */
  RESOLVING,
  /** Fetching the kernel and busybox packages (byte progress is reported). */
  DOWNLOADING,
  /** Unpacking the packages. */
  UNPACKING,
  /** Decompressing the ELF vmlinux out of the bzImage. */
  EXTRACTING_VMLINUX,
  /** Keeping the modules directory and writing its modules.dep. */
  PREPARING_MODULES,
  /** Writing the initramfs. */
  BUILDING_INITRAMFS,
  /** The kernel directory is complete. */
  DONE
}
