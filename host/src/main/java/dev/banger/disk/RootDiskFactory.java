package dev.banger.disk;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.VmTag;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes each VM's copy-on-write root disk from its image with the cheapest strategy the host
 * supports: a device-mapper snapshot where the host has device-mapper and banger runs as root,
 * otherwise a reflink clone where the VM directory's filesystem can share extents with the image,
 * otherwise a sparse copy.
 *
 * <p>Reflink support is decided by trying {@code FICLONE}, never guessed from the filesystem type:
 * {@link #probe(Path)} clones a small file for {@code doctor}, and {@link #create} clones the image
 * itself and falls back to a sparse copy when that fails (as it does when the image lives on
 * another filesystem than the VM directory).
 *
 * <p>Immutable and thread-safe; concurrent calls must be for different VMs.
 */
public final class RootDiskFactory {
  private static final Logger LOG = LoggerFactory.getLogger(RootDiskFactory.class);

  /** The name of the root disk file inside the VM directory (reflink and sparse copy). */
  public static final String ROOT_DISK_FILE = "rootfs.img";

  private static final int PROBE_BYTES = 64 * 1024;

  private final DeviceMapperSnapshots snapshots;
  private final Set<CowStrategy> allowed;

  /** A factory that may use every strategy the host supports. */
  public RootDiskFactory(CommandRunner runner) {
    this(runner, EnumSet.allOf(CowStrategy.class));
  }

  /**
   * A factory restricted to {@code allowed} strategies (for a configured preference or a
   * comparison); {@link CowStrategy#SPARSE_COPY} is always allowed because it always works.
   */
  public RootDiskFactory(CommandRunner runner, Set<CowStrategy> allowed) {
    this.snapshots = new DeviceMapperSnapshots(runner);
    EnumSet<CowStrategy> strategies = EnumSet.of(CowStrategy.SPARSE_COPY);
    strategies.addAll(allowed);
    this.allowed = strategies;
  }

  /**
   * Finds the strategy new root disks in {@code stateDir} will use, trying each in turn: is
   * device-mapper usable, and does a real {@code FICLONE} of a small file there succeed.
   */
  public CowProbe probe(Path stateDir) throws DiskException {
    List<String> findings = new ArrayList<>();
    Optional<String> noDeviceMapper = deviceMapperUnavailable();
    findings.add(
        "device-mapper snapshot: "
            + noDeviceMapper.map(reason -> "unavailable, " + reason).orElse("available"));
    boolean reflink = allowed.contains(CowStrategy.REFLINK) && reflinkWorksIn(stateDir);
    findings.add(reflinkFinding(stateDir, reflink));
    findings.add("sparse copy: available");

    CowStrategy strategy = CowStrategy.SPARSE_COPY;
    if (noDeviceMapper.isEmpty()) {
      strategy = CowStrategy.DM_SNAPSHOT;
    } else if (reflink) {
      strategy = CowStrategy.REFLINK;
    }
    return new CowProbe(stateDir, strategy, findings);
  }

  /**
   * Creates the root disk of VM {@code vmId} from {@code imageRootfs} inside {@code vmDir} (created
   * when missing).
   *
   * @throws DiskException naming the image, the VM directory and the step that failed
   */
  public RootDisk create(Path imageRootfs, Path vmDir, String vmId) throws DiskException {
    VmTag tag = new VmTag(vmId);
    requireImage(imageRootfs);
    createDirectory(vmDir);

    if (deviceMapperUnavailable().isEmpty()) {
      SnapshotDevices devices = snapshots.create(imageRootfs, vmDir, tag);
      return new RootDisk(
          vmId, devices.devicePath(), CowStrategy.DM_SNAPSHOT, Optional.of(devices));
    }

    Path disk = vmDir.resolve(ROOT_DISK_FILE);
    CowStrategy used = cloneOrCopy(imageRootfs, disk);
    LOG.info("created root disk {} of VM {} by {}", disk, vmId, used.description());
    return new RootDisk(vmId, disk, used, Optional.empty());
  }

  /** Removes everything {@code disk} holds on the host; parts already gone are skipped. */
  public void destroy(RootDisk disk) throws DiskException {
    if (disk.snapshot().isPresent()) {
      snapshots.destroy(disk.snapshot().orElseThrow());
      return;
    }
    try {
      Files.deleteIfExists(disk.path());
    } catch (IOException e) {
      throw new DiskException(
          "could not delete root disk '%s' of VM %s".formatted(disk.path(), disk.vmId()), e);
    }
  }

  /**
   * Clones {@code source} to {@code destination} by reflink when allowed and possible, otherwise
   * copies its data extents; returns the strategy that was used.
   */
  public CowStrategy cloneOrCopy(Path source, Path destination) throws DiskException {
    if (allowed.contains(CowStrategy.REFLINK) && ReflinkClone.tryClone(source, destination)) {
      return CowStrategy.REFLINK;
    }
    SparseCopy.copy(source, destination);
    return CowStrategy.SPARSE_COPY;
  }

  private Optional<String> deviceMapperUnavailable() {
    if (!allowed.contains(CowStrategy.DM_SNAPSHOT)) {
      return Optional.of("not allowed by configuration");
    }
    return DeviceMapperSnapshots.unavailableReason();
  }

  private String reflinkFinding(Path stateDir, boolean works) {
    if (!allowed.contains(CowStrategy.REFLINK)) {
      return "reflink clone: not allowed by configuration";
    }
    return works
        ? "reflink clone: FICLONE works in " + stateDir
        : "reflink clone: unavailable, FICLONE is not supported in " + stateDir;
  }

  private static boolean reflinkWorksIn(Path directory) throws DiskException {
    String stem = ".banger-reflink-probe-" + UUID.randomUUID();
    Path source = directory.resolve(stem + ".src");
    Path clone = directory.resolve(stem + ".clone");
    boolean works;
    try {
      Files.write(source, new byte[PROBE_BYTES]);
      works = ReflinkClone.tryClone(source, clone);
    } catch (IOException e) {
      deleteAfterFailure(e, source, clone);
      throw new DiskException("could not probe reflink support in '%s'".formatted(directory), e);
    }
    for (Path file : List.of(source, clone)) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new DiskException("could not delete reflink probe file '%s'".formatted(file), e);
      }
    }
    return works;
  }

  /** Deletes what a failed step left behind, keeping any failure to do so with {@code failure}. */
  static void deleteAfterFailure(Exception failure, Path... files) {
    for (Path file : files) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  private static void requireImage(Path imageRootfs) throws DiskException {
    if (!Files.isRegularFile(imageRootfs)) {
      throw new DiskException(
          "cannot create a root disk from '%s': it is not an existing regular file"
              .formatted(imageRootfs));
    }
  }

  static void createDirectory(Path vmDir) throws DiskException {
    try {
      Files.createDirectories(vmDir);
    } catch (IOException e) {
      throw new DiskException("could not create VM directory '%s'".formatted(vmDir), e);
    }
  }
}
