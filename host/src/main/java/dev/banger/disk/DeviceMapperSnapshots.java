package dev.banger.disk;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import dev.banger.hostos.HostResources;
import dev.banger.hostos.LoopDevice;
import dev.banger.hostos.Privileges;
import dev.banger.hostos.VmTag;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and removes device-mapper snapshot root disks by running the commands that {@link
 * SnapshotCommands} describes: a read-only loop device on the image, a loop device on a sparse
 * copy-on-write file in the VM directory, and a {@code snapshot} target over both.
 *
 * <p>Limitations: it needs root, {@code /dev/mapper/control} and {@code dmsetup}; on hosts without
 * them {@link RootDiskFactory} never selects it. Each VM gets its own base loop device (through a
 * hard link in its directory) so that every loop device carries one VM's tag.
 *
 * <p>Immutable and thread-safe; concurrent calls must be for different VMs.
 */
public final class DeviceMapperSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceMapperSnapshots.class);
  private static final Path CONTROL = Path.of("/dev/mapper/control");

  private final CommandRunner runner;
  private final HostResources resources;

  /** Runs {@code losetup} and {@code dmsetup} through {@code runner}. */
  public DeviceMapperSnapshots(CommandRunner runner) {
    this.runner = runner;
    this.resources = new HostResources(runner);
  }

  /** Why snapshots cannot be made on this host, or empty when they can. */
  public static Optional<String> unavailableReason() {
    if (!Files.exists(CONTROL)) {
      return Optional.of(CONTROL + " is missing (no device-mapper in this kernel)");
    }
    if (!CommandRunner.onPath("dmsetup")) {
      return Optional.of("dmsetup is not installed (Debian package dmsetup)");
    }
    if (!Privileges.isRoot() || !Privileges.hasCapability(Privileges.CAP_SYS_ADMIN)) {
      return Optional.of(
          "needs root (with CAP_SYS_ADMIN) to attach loop devices and create device-mapper"
              + " targets");
    }
    return Optional.empty();
  }

  /**
   * Creates the snapshot {@code banger-VMID} of {@code image}, with its copy-on-write file and link
   * in {@code vmDir}. On failure every step already done is undone.
   */
  public SnapshotDevices create(Path image, Path vmDir, VmTag tag) throws DiskException {
    Optional<String> unavailable = unavailableReason();
    if (unavailable.isPresent()) {
      throw new DiskException(
          "cannot create a device-mapper snapshot of '%s': %s"
              .formatted(image, unavailable.orElseThrow()));
    }
    Deque<Undo> undo = new ArrayDeque<>();
    try {
      return build(image, vmDir, tag, undo);
    } catch (IOException | RuntimeException e) {
      rollBack(undo, e);
      throw new DiskException(
          "could not create device-mapper snapshot %s of '%s' in '%s'"
              .formatted(tag.deviceMapperName(), image, vmDir),
          e);
    }
  }

  private SnapshotDevices build(Path imagePath, Path vmDirPath, VmTag tag, Deque<Undo> undo)
      throws IOException {
    // The kernel reports loop backing files by their real path; keep the same form to match.
    Path image = imagePath.toRealPath();
    Path vmDir = vmDirPath.toRealPath();
    long sectors = SnapshotCommands.sectors(Files.size(image));

    Optional<Path> baseLink = linkIntoVmDirectory(image, vmDir.resolve("rootfs.base"));
    baseLink.ifPresent(link -> undo.push(() -> Files.deleteIfExists(link)));
    Path baseLoop = attach(SnapshotCommands.attachReadOnly(baseLink.orElse(image)));
    undo.push(() -> runner.check(SnapshotCommands.detach(baseLoop)));

    Path cowFile = vmDir.resolve("rootfs.cow");
    createSparse(cowFile, SnapshotCommands.cowBytes(Files.size(image)));
    undo.push(() -> Files.deleteIfExists(cowFile));
    Path cowLoop = attach(SnapshotCommands.attach(cowFile));
    undo.push(() -> runner.check(SnapshotCommands.detach(cowLoop)));

    String name = tag.deviceMapperName();
    runner.check(SnapshotCommands.create(name, SnapshotCommands.table(sectors, baseLoop, cowLoop)));
    LOG.info("created device-mapper snapshot {} of {}", name, image);
    return new SnapshotDevices(name, baseLoop, cowLoop, image, baseLink, cowFile);
  }

  /**
   * Removes the snapshot device, detaches its loop devices and deletes its files. Parts that are
   * already gone are skipped, so a half-built or half-removed snapshot can be destroyed again.
   */
  public void destroy(SnapshotDevices devices) throws DiskException {
    try {
      if (Files.exists(devices.devicePath())) {
        runner.check(SnapshotCommands.remove(devices.name()));
      }
      List<LoopDevice> attached = resources.loopDevices();
      detachIfAttached(attached, devices.cowLoop(), devices.cowFile());
      detachIfAttached(attached, devices.baseLoop(), devices.baseFile());
      Files.deleteIfExists(devices.cowFile());
      if (devices.baseLink().isPresent()) {
        Files.deleteIfExists(devices.baseLink().orElseThrow());
      }
    } catch (IOException e) {
      throw new DiskException(
          "could not tear down device-mapper snapshot %s".formatted(devices.name()), e);
    }
  }

  private void detachIfAttached(List<LoopDevice> attached, Path loop, Path expectedBacking)
      throws HostOsException {
    for (LoopDevice device : attached) {
      boolean sameDevice = device.device().equals(loop);
      // Loop numbers are reused: only detach if the device still serves this VM's file.
      boolean sameFile = device.backingFile().equals(expectedBacking);
      if (sameDevice && sameFile) {
        runner.check(SnapshotCommands.detach(loop));
      }
    }
  }

  private static Optional<Path> linkIntoVmDirectory(Path image, Path link) throws IOException {
    try {
      Files.createLink(link, image);
      return Optional.of(link);
    } catch (IOException e) {
      // A hard link needs the image and the VM directory on one filesystem. Without it the base
      // loop device names the image itself, so only this record (not the tag) can find it.
      LOG.warn(
          "could not hard-link image {} into {} ({}); attaching the image directly",
          image,
          link.getParent(),
          e.toString());
      return Optional.empty();
    }
  }

  private Path attach(List<String> losetup) throws HostOsException {
    return Path.of(runner.check(losetup).stdout().strip());
  }

  private static void createSparse(Path file, long bytes) throws IOException {
    // A leftover COW file would carry an old exception store that a persistent snapshot reads
    // back as the guest's writes: insist on a new, zero-filled file.
    Files.createFile(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(bytes);
    }
  }

  private static void rollBack(Deque<Undo> undo, Exception failure) {
    while (!undo.isEmpty()) {
      try {
        undo.pop().run();
      } catch (IOException | RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
  }

  @FunctionalInterface
  private interface Undo {
    void run() throws IOException;
  }
}
