package dev.banger.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostResources;
import dev.banger.hostos.VmTag;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceMapperSnapshotsTest {
  private static final long MIB = 1024 * 1024;
  private static final CommandRunner HOST = CommandRunner.onHost();

  private final DeviceMapperSnapshots snapshots = new DeviceMapperSnapshots(HOST);

  @TempDir Path dir;

  @Test
  void hostWithoutControlDeviceIsReportedAsSuch() {
    assumeFalse(
        Files.exists(Path.of("/dev/mapper/control")),
        "this host has /dev/mapper/control, so its absence cannot be reported here");

    assertThat(DeviceMapperSnapshots.unavailableReason())
        .hasValueSatisfying(reason -> assertThat(reason).contains("/dev/mapper/control"));
  }

  @Test
  void createOnHostWithoutDeviceMapperFailsNamingWhyAndLeavesNothing() throws Exception {
    Optional<String> reason = DeviceMapperSnapshots.unavailableReason();
    assumeTrue(reason.isPresent(), "this host has device-mapper, so it cannot refuse");
    Path image = DiskFixtures.ext4Image(dir, "rootfs.ext4", 32 * MIB, 4096);
    Path vmDir = Files.createDirectories(dir.resolve("vms/vm-1"));

    assertThatThrownBy(() -> snapshots.create(image, vmDir, new VmTag("vm-1")))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining(image.toString())
        .hasMessageContaining(reason.orElseThrow());
    try (Stream<Path> left = Files.list(vmDir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void snapshotTakesWritesWithoutChangingTheImageAndTearsDownCompletely() throws Exception {
    Optional<String> reason = DeviceMapperSnapshots.unavailableReason();
    assumeTrue(reason.isEmpty(), () -> "needs device-mapper: " + reason.orElse(""));
    Path image = DiskFixtures.ext4Image(dir, "rootfs.ext4", 32 * MIB, 4096);
    byte[] before = Files.readAllBytes(image);
    Path vmDir = Files.createDirectories(dir.resolve("vms/vm-2"));
    HostResources resources = new HostResources(HOST);

    SnapshotDevices devices = snapshots.create(image, vmDir, new VmTag("vm-2"));
    try {
      assertThat(resources.deviceMapperDevices()).contains("banger-vm-2");
      assertThat(resources.loopDevicesUnder(vmDir)).hasSize(2);
      try (RandomAccessFile device = new RandomAccessFile(devices.devicePath().toFile(), "rw")) {
        device.seek(MIB);
        device.write(new byte[] {1, 2, 3, 4});
      }
      assertThat(Files.readAllBytes(image)).isEqualTo(before);
    } finally {
      snapshots.destroy(devices);
    }

    assertThat(resources.deviceMapperDevices()).doesNotContain("banger-vm-2");
    assertThat(resources.loopDevicesUnder(vmDir)).isEmpty();
    try (Stream<Path> left = Files.list(vmDir)) {
      assertThat(left).isEmpty();
    }
  }
}
