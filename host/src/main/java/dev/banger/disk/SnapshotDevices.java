package dev.banger.disk;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The host objects behind one VM's device-mapper snapshot root disk, everything that must be torn
 * down when the VM is removed. Immutable and thread-safe.
 *
 * @param name the device-mapper name, {@code banger-VMID}
 * @param baseLoop the read-only loop device on the image
 * @param cowLoop the loop device on the copy-on-write file
 * @param image the image the snapshot is taken of (its real path)
 * @param baseLink a hard link to the image inside the VM directory, through which the base loop
 *     device carries the VM's tag; empty when the image is on another filesystem and the loop
 *     device had to be attached to the image itself
 * @param cowFile the sparse copy-on-write file inside the VM directory
 */
public record SnapshotDevices(
    String name, Path baseLoop, Path cowLoop, Path image, Optional<Path> baseLink, Path cowFile) {

  /** The file the base loop device is attached to: the link when there is one, else the image. */
  public Path baseFile() {
    return baseLink.orElse(image);
  }

  /** The block device the VMM opens: {@code /dev/mapper/NAME}. */
  public Path devicePath() {
    return SnapshotCommands.devicePath(name);
  }
}
