package dev.banger.disk;

/**
 * How a VM's disk is made from its image without sharing writes with it. Listed from the cheapest
 * to the most expensive; {@code vm show} and {@code doctor} display the one in use.
 *
 * <p>Immutable and thread-safe.
 */
public enum CowStrategy {
  /**
   * A qcow2 overlay whose backing file is the image: nothing is copied, and the VM's writes go to
   * the overlay. QEMU only; made with {@code qemu-img} (see {@link Qcow2Overlay}).
   */
  QCOW2_OVERLAY("qcow2 overlay"),

  /**
   * A device-mapper snapshot: the image on a read-only loop device plus a sparse copy-on-write file
   * on a second loop device. Nothing is copied; needs root and device-mapper.
   */
  DM_SNAPSHOT("device-mapper snapshot"),

  /**
   * A reflink clone made with {@code ioctl(FICLONE)}: the new file shares every extent with the
   * image until written. Nothing is copied; needs a filesystem such as xfs or btrfs, with the image
   * and the VM directory on the same one.
   */
  REFLINK("reflink clone"),

  /**
   * A copy of the image's data extents only ({@code lseek SEEK_DATA/SEEK_HOLE}), keeping holes as
   * holes. Costs the time of the image's data, not of its size; works everywhere.
   */
  SPARSE_COPY("sparse copy");

  private final String description;

  CowStrategy(String description) {
    this.description = description;
  }

  /** A short human description, such as "reflink clone". */
  public String description() {
    return description;
  }
}
