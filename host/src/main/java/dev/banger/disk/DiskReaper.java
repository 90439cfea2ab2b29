package dev.banger.disk;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import dev.banger.hostos.HostResources;
import dev.banger.hostos.LoopDevice;
import dev.banger.hostos.VmTag;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the disk resources of VMs that no longer exist, found by their tags on the host:
 * device-mapper devices named {@code banger-ID} and loop devices whose backing file lies in {@code
 * VMS/ID/}. The daemon runs it at start with the ids of the VMs in its store.
 *
 * <p>Files stay: VM directories belong to the daemon, which deletes them with the VM.
 *
 * <p>Immutable and thread-safe; runs should not overlap with VM creation.
 */
public final class DiskReaper {
  private static final Logger LOG = LoggerFactory.getLogger(DiskReaper.class);

  private final CommandRunner runner;
  private final HostResources resources;

  /** Lists and removes through {@code runner}. */
  public DiskReaper(CommandRunner runner) {
    this.runner = runner;
    this.resources = new HostResources(runner);
  }

  /**
   * Removes snapshots and loop devices of VMs not in {@code liveVmIds}.
   *
   * @param vmsRoot the directory that holds one directory per VM, named by the VM id
   * @return one line per resource removed, such as {@code "loop device /dev/loop3 (VM abc)"}
   */
  public List<String> reap(Path vmsRoot, Set<String> liveVmIds) throws DiskException {
    List<String> removed = new ArrayList<>();
    try {
      // Snapshots first: they hold their loop devices open, which could not be detached before.
      for (String name : resources.deviceMapperDevices()) {
        String vmId = VmTag.fromDeviceMapperName(name).orElseThrow().vmId();
        if (!liveVmIds.contains(vmId)) {
          runner.check(SnapshotCommands.remove(name));
          removed.add("device-mapper device %s (VM %s)".formatted(name, vmId));
        }
      }
      for (LoopDevice device : resources.loopDevicesUnder(vmsRoot)) {
        Optional<String> owner = owningVm(vmsRoot, device.backingFile());
        if (owner.isPresent() && !liveVmIds.contains(owner.orElseThrow())) {
          runner.check(SnapshotCommands.detach(device.device()));
          removed.add("loop device %s (VM %s)".formatted(device.device(), owner.orElseThrow()));
        }
      }
    } catch (HostOsException e) {
      throw new DiskException(
          "could not reap disk resources of removed VMs under '%s' (removed so far: %s)"
              .formatted(vmsRoot, removed),
          e);
    }
    removed.forEach(line -> LOG.info("reaped {}", line));
    return removed;
  }

  private static Optional<String> owningVm(Path vmsRoot, Path backingFile) {
    Path relative = realOrAbsolute(vmsRoot).relativize(backingFile.normalize());
    return relative.getNameCount() < 2
        ? Optional.empty()
        : Optional.of(relative.getName(0).toString());
  }

  private static Path realOrAbsolute(Path directory) {
    try {
      return directory.toRealPath();
    } catch (IOException e) {
      // Without the directory no file of it can be attached under its real name either.
      return directory.toAbsolutePath().normalize();
    }
  }
}
