package dev.banger.disk;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Makes QEMU root disks that copy nothing: a qcow2 file whose backing file is the raw base image,
 * created by {@code qemu-img create -f qcow2 -F raw -b BASE}. The overlay starts at a few hundred
 * kilobytes whatever the size of the base, and holds only the clusters the guest writes.
 *
 * <p>The backing file is named by its absolute path inside the overlay, so it must stay where it is
 * and unchanged for as long as the overlay lives. Immutable and thread-safe.
 */
public final class Qcow2Overlay {
  /** The name of the overlay file inside the VM directory. */
  public static final String FILE_NAME = "rootfs.qcow2";

  private final CommandRunner runner;
  private final Path qemuImg;

  /** Overlays made by the {@code qemu-img} at {@code qemuImg}. */
  public Qcow2Overlay(CommandRunner runner, Path qemuImg) {
    this.runner = runner;
    this.qemuImg = qemuImg;
  }

  /**
   * The {@code qemu-img} next to {@code qemuBinary} (as Debian's qemu-utils and QEMU's own install
   * put them), else the one on PATH; empty when there is none.
   */
  public static Optional<Path> findQemuImg(Path qemuBinary) {
    Path parent = qemuBinary.toAbsolutePath().getParent();
    if (parent != null && Files.isExecutable(parent.resolve("qemu-img"))) {
      return Optional.of(parent.resolve("qemu-img"));
    }
    return CommandRunner.findOnPath("qemu-img");
  }

  /**
   * Creates the root disk of VM {@code vmId} in {@code vmDir}: an overlay of {@code base} (a raw
   * ext4 image) with the same virtual size.
   *
   * @throws DiskException naming the base, the overlay and what qemu-img said
   */
  public RootDisk create(Path base, Path vmDir, String vmId) throws DiskException {
    if (!Files.isRegularFile(base)) {
      throw new DiskException(
          "cannot create a qcow2 overlay of '%s': it is not an existing regular file"
              .formatted(base));
    }
    RootDiskFactory.createDirectory(vmDir);
    Path overlay = vmDir.resolve(FILE_NAME);
    List<String> argv =
        List.of(
            qemuImg.toString(),
            "create",
            "-q",
            "-f",
            "qcow2",
            "-F",
            "raw",
            "-b",
            base.toAbsolutePath().toString(),
            overlay.toString());
    try {
      runner.check(argv);
    } catch (HostOsException e) {
      RootDiskFactory.deleteAfterFailure(e, overlay);
      throw new DiskException(
          "could not create the qcow2 overlay '%s' of '%s'".formatted(overlay, base), e);
    }
    return new RootDisk(vmId, overlay, CowStrategy.QCOW2_OVERLAY, Optional.empty());
  }
}
