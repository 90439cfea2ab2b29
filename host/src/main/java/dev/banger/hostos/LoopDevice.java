package dev.banger.hostos;

import java.io.IOException;
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

  /**
   * True when the backing file lies inside {@code directory} (at any depth). The directory is
   * compared by its real path, as the kernel reports backing files with symbolic links resolved.
   */
  public boolean backedFrom(Path directory) {
    return backingFile.normalize().startsWith(comparable(directory));
  }

  /** {@code directory} as the kernel would name it: its real path when it exists. */
  private static Path comparable(Path directory) {
    try {
      return directory.toRealPath();
    } catch (IOException e) {
      // A directory that no longer exists cannot be resolved; its files keep their old names.
      return directory.toAbsolutePath().normalize();
    }
  }
}
