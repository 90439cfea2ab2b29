package dev.banger.hostos;

import java.nio.file.Path;

/**
 * A loop device attached on the host and the file behind it, as {@code losetup --list} reports it.
 * Immutable and thread-safe.
 *
 * @param device the block device, such as {@code /dev/loop3}
 * @param backingFile the file the device reads and writes, as the kernel names it
 * @param backingFileDeleted true when that file was unlinked while still attached
 * @param readOnly true when the device was attached read-only
 */
public record LoopDevice(
    Path device, Path backingFile, boolean backingFileDeleted, boolean readOnly) {

  /** True when the backing file lies inside {@code directory} (at any depth). */
  public boolean backedFrom(Path directory) {
    return backingFile.normalize().startsWith(directory.toAbsolutePath().normalize());
  }
}
