package dev.banger.vmm.firecracker;

import dev.banger.vmm.RuntimeFiles;
import dev.banger.vmm.VmmException;
import dev.banger.vmm.VmmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Fills the jailer's chroot before Firecracker starts. Kernel and initrd are hard-linked, or copied
 * when the chroot is on another filesystem (Firecracker only reads them). Disks and the log files
 * are hard-linked only: a copy would leave the guest writing to a file that vanishes with the jail,
 * so the chroot base must then share a filesystem with them. Everything linked is handed to the
 * jail's uid and gid, which Firecracker runs as.
 *
 * <p>Stateless, so thread-safe.
 */
final class Jail {
  /** The jailer's rule for {@code --id}: letters, digits and '-', at most 64. */
  private static final Pattern JAIL_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  private Jail() {}

  /** The jail id of a VM; the jailer allows no '_', which VM ids may contain. */
  static String id(VmmSpec spec) throws VmmException {
    if (!JAIL_ID.matcher(spec.vmId()).matches()) {
      throw new VmmException(
          "VM id \""
              + spec.vmId()
              + "\" cannot name a jail: the jailer allows only letters, digits and '-'");
    }
    return spec.vmId();
  }

  /**
   * Creates the chroot (after removing a stale one of this VM) and links the VM's files in. Returns
   * where each host file appears inside the chroot.
   */
  static Map<Path, Path> populate(VmmSpec spec, FirecrackerLayout layout, RuntimeFiles files)
      throws VmmException {
    Path jailDir = layout.jailDir().orElseThrow();
    Path root = layout.chrootRoot().orElseThrow();
    try {
      RuntimeFiles.deleteTree(jailDir);
    } catch (IOException e) {
      throw new VmmException("Could not remove the stale jail " + jailDir + ": " + e, e);
    }
    files.trackTree(jailDir);
    files.createDirectories(root);

    Map<Path, Path> inJail = new LinkedHashMap<>();
    inJail.put(spec.kernel(), linkOrCopy(spec.kernel(), root.resolve("kernel")));
    if (spec.initrd().isPresent()) {
      inJail.put(spec.initrd().get(), linkOrCopy(spec.initrd().get(), root.resolve("initrd")));
    }
    if (spec.rootDisk().isPresent()) {
      inJail.put(spec.rootDisk().get(), link(spec.rootDisk().get(), root.resolve("rootfs.img")));
    }
    for (VmmSpec.Disk disk : spec.extraDisks()) {
      inJail.put(disk.path(), link(disk.path(), root.resolve(disk.id() + ".img")));
    }
    List<Path> disks = new ArrayList<>();
    spec.rootDisk().ifPresent(disk -> disks.add(inJail.get(disk)));
    spec.extraDisks().forEach(disk -> disks.add(inJail.get(disk.path())));
    handOver(spec.jailer().orElseThrow(), disks);
    return inJail;
  }

  /** Hard-links a runtime file (a log) into the jail at {@code inJail}. */
  static void linkLog(Path hostFile, Path inJail) throws VmmException {
    link(hostFile, inJail);
  }

  /** Makes the jail's files belong to the uid and gid Firecracker runs as. */
  static void handOver(VmmSpec.Jailer jailer, Iterable<Path> paths) throws VmmException {
    for (Path path : paths) {
      try {
        Files.setAttribute(path, "unix:uid", jailer.uid());
        Files.setAttribute(path, "unix:gid", jailer.gid());
      } catch (IOException | UnsupportedOperationException e) {
        throw new VmmException(
            "Could not give " + path + " to uid " + jailer.uid() + ", gid " + jailer.gid(), e);
      }
    }
  }

  private static Path link(Path source, Path target) throws VmmException {
    try {
      Files.createLink(target, source);
      return target;
    } catch (IOException e) {
      throw new VmmException(
          "Could not hard-link "
              + source
              + " into the jail as "
              + target
              + " ("
              + e
              + "); the jailer's chroot base must be on the same filesystem as the VM's disks"
              + " and runtime directory",
          e);
    }
  }

  private static Path linkOrCopy(Path source, Path target) throws VmmException {
    try {
      Files.createLink(target, source);
      return target;
    } catch (IOException linkFailure) {
      try {
        Files.copy(source, target);
        return target;
      } catch (IOException e) {
        e.addSuppressed(linkFailure);
        throw new VmmException(
            "Could not link or copy " + source + " into the jail as " + target + ": " + e, e);
      }
    }
  }
}
