package dev.banger.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostResources;
import dev.banger.hostos.LoopDevice;
import dev.banger.hostos.Privileges;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskReaperTest {
  private static final CommandRunner HOST = CommandRunner.onHost();

  @TempDir Path dir;

  @Test
  void loopDevicesOfRemovedVmsAreDetachedAndLiveOnesKept() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach loop devices");
    Path vms = dir.resolve("vms");
    HostResources resources = new HostResources(HOST);
    Path deadLoop = attach(backingFile(vms.resolve("dead-vm/rootfs.cow")));
    Path liveLoop = attach(backingFile(vms.resolve("live-vm/rootfs.cow")));
    Path outsideLoop = attach(backingFile(dir.resolve("images/base/rootfs.ext4")));
    try {
      List<String> removed = new DiskReaper(HOST).reap(vms, Set.of("live-vm"));

      assertThat(removed).containsExactly("loop device %s (VM dead-vm)".formatted(deadLoop));
      assertThat(resources.loopDevicesUnder(vms))
          .extracting(LoopDevice::device)
          .containsExactly(liveLoop);
      assertThat(resources.loopDevicesUnder(dir.resolve("images")))
          .extracting(LoopDevice::device)
          .containsExactly(outsideLoop);
    } finally {
      for (LoopDevice left : resources.loopDevicesUnder(dir)) {
        HOST.check(List.of("losetup", "--detach", left.device().toString()));
      }
    }
  }

  @Test
  void reapingWithEveryVmAliveRemovesNothing() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach loop devices");
    Path vms = dir.resolve("vms");
    Path loop = attach(backingFile(vms.resolve("vm-a/rootfs.base")));
    try {
      assertThat(new DiskReaper(HOST).reap(vms, Set.of("vm-a"))).isEmpty();
      assertThat(new HostResources(HOST).loopDevicesUnder(vms)).hasSize(1);
    } finally {
      HOST.check(List.of("losetup", "--detach", loop.toString()));
    }
  }

  @Test
  void vmsDirectoryReachedThroughASymlinkStillMatches() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach loop devices");
    Path realVms = Files.createDirectories(dir.resolve("data/vms"));
    Path linkedVms = Files.createSymbolicLink(dir.resolve("vms-link"), realVms);
    Path loop = attach(backingFile(linkedVms.resolve("gone-vm/rootfs.cow")));
    try {
      assertThat(new HostResources(HOST).loopDevicesUnder(linkedVms)).hasSize(1);

      assertThat(new DiskReaper(HOST).reap(linkedVms, Set.of()))
          .containsExactly("loop device %s (VM gone-vm)".formatted(loop));
    } finally {
      for (LoopDevice left : new HostResources(HOST).loopDevicesUnder(realVms)) {
        HOST.check(List.of("losetup", "--detach", left.device().toString()));
      }
    }
  }

  private static Path backingFile(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(4L * 1024 * 1024);
    }
    return file;
  }

  private static Path attach(Path file) throws Exception {
    return Path.of(
        HOST.check(List.of("losetup", "--find", "--show", file.toString())).stdout().strip());
  }
}
