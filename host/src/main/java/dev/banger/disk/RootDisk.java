package dev.banger.disk;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A VM's copy-on-write root disk: what the VMM opens, how it was made, and what must be torn down
 * when the VM is removed. The daemon stores it with the VM and shows the strategy in {@code vm
 * show}. Immutable and thread-safe.
 *
 * @param vmId the owning VM
 * @param path the file or block device the VMM opens as the first virtio-blk disk
 * @param strategy how the disk was made from the image
 * @param snapshot the device-mapper objects behind the disk, present only for {@link
 *     CowStrategy#DM_SNAPSHOT}
 */
public record RootDisk(
    String vmId, Path path, CowStrategy strategy, Optional<SnapshotDevices> snapshot) {

  /** Checks that the snapshot devices are present exactly for the snapshot strategy. */
  public RootDisk {
    if (snapshot.isPresent() != (strategy == CowStrategy.DM_SNAPSHOT)) {
      throw new IllegalArgumentException(
          "root disk %s of VM %s: snapshot devices must be given for %s and only for it"
              .formatted(path, vmId, CowStrategy.DM_SNAPSHOT));
    }
  }
}
