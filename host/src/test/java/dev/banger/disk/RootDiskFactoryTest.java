package dev.banger.disk;

import static dev.banger.disk.DiskFixtures.allocatedBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.Privileges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootDiskFactoryTest {
  private static final long MIB = 1024 * 1024;
  private static final CommandRunner HOST = CommandRunner.onHost();

  private final RootDiskFactory factory = new RootDiskFactory(HOST);

  @TempDir Path dir;

  @Test
  void probePicksReflinkOnXfs() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach a loop device and mount xfs");
    try (LoopMountedFilesystem xfs = LoopMountedFilesystem.xfsWithReflink(dir)) {
      CowProbe probe = factory.probe(xfs.root());

      assertThat(probe.strategy()).isEqualTo(CowStrategy.REFLINK);
      assertThat(probe.findings()).anySatisfy(f -> assertThat(f).contains("FICLONE works"));
      assertNoProbeLeftovers(xfs.root());
    }
  }

  @Test
  void probePicksReflinkOnBtrfs() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach a loop device and mount btrfs");
    try (LoopMountedFilesystem btrfs = LoopMountedFilesystem.btrfs(dir)) {
      assertThat(factory.probe(btrfs.root()).strategy()).isEqualTo(CowStrategy.REFLINK);
      assertNoProbeLeftovers(btrfs.root());
    }
  }

  @Test
  void probePicksSparseCopyOnExt4AndSaysWhy() throws Exception {
    assumeTrue(
        "ext4".equals(Files.getFileStore(dir).type()),
        "needs the temporary directory on ext4, found " + Files.getFileStore(dir).type());

    CowProbe probe = factory.probe(dir);

    assertThat(probe.strategy()).isEqualTo(CowStrategy.SPARSE_COPY);
    assertThat(probe.findings())
        .anySatisfy(f -> assertThat(f).startsWith("device-mapper snapshot: "))
        .anySatisfy(f -> assertThat(f).contains("FICLONE is not supported in " + dir));
    assertNoProbeLeftovers(dir);
  }

  @Test
  void probePicksSparseCopyOnTmpfs() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to mount a tmpfs");
    Path mount = Files.createDirectories(dir.resolve("tmpfs"));
    HOST.check(List.of("mount", "-t", "tmpfs", "-o", "size=16m", "banger-test", mount.toString()));
    try {
      assertThat(factory.probe(mount).strategy()).isEqualTo(CowStrategy.SPARSE_COPY);
      assertNoProbeLeftovers(mount);
    } finally {
      HOST.check(List.of("umount", mount.toString()));
    }
  }

  @Test
  void probePicksSparseCopyOnOverlay() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to mount an overlay");
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Path workDir = Files.createDirectories(dir.resolve("work"));
    Path merged = Files.createDirectories(dir.resolve("merged"));
    String options = "lowerdir=%s,upperdir=%s,workdir=%s".formatted(lower, upper, workDir);
    HOST.check(List.of("mount", "-t", "overlay", "-o", options, "overlay", merged.toString()));
    try {
      assertThat(factory.probe(merged).strategy()).isEqualTo(CowStrategy.SPARSE_COPY);
      assertNoProbeLeftovers(merged);
    } finally {
      HOST.check(List.of("umount", merged.toString()));
    }
  }

  @Test
  void rootDiskOnXfsIsAReflinkCloneAndDestroyRemovesIt() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach a loop device and mount xfs");
    try (LoopMountedFilesystem xfs = LoopMountedFilesystem.xfsWithReflink(dir)) {
      Path image = DiskFixtures.ext4Image(xfs.root(), "rootfs.ext4", 64 * MIB, 2 * 1024 * 1024);
      Path vmDir = xfs.root().resolve("vms/vm-1");

      RootDisk disk = factory.create(image, vmDir, "vm-1");

      assertThat(disk.strategy()).isEqualTo(CowStrategy.REFLINK);
      assertThat(disk.path()).isEqualTo(vmDir.resolve(RootDiskFactory.ROOT_DISK_FILE));
      assertThat(disk.snapshot()).isEmpty();
      assertThat(Files.mismatch(image, disk.path())).isEqualTo(-1);
      assertThat(ReflinkCloneTest.extentLines(disk.path()))
          .anySatisfy(line -> assertThat(line).contains("shared"));

      factory.destroy(disk);

      assertThat(disk.path()).doesNotExist();
      assertThat(image).exists();
    }
  }

  @Test
  void imageOnAnotherFilesystemFallsBackToSparseCopy() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach a loop device and mount xfs");
    Path image = DiskFixtures.ext4Image(dir, "rootfs.ext4", 64 * MIB, 1024 * 1024);
    try (LoopMountedFilesystem xfs = LoopMountedFilesystem.xfsWithReflink(dir)) {
      RootDisk disk = factory.create(image, xfs.root().resolve("vm-2"), "vm-2");

      assertThat(disk.strategy()).isEqualTo(CowStrategy.SPARSE_COPY);
      assertThat(Files.mismatch(image, disk.path())).isEqualTo(-1);
      factory.destroy(disk);
    }
  }

  @Test
  void rootDiskOnExt4IsASparseCopyWithTheImageContent() throws Exception {
    Path image = DiskFixtures.ext4Image(dir, "rootfs.ext4", 256 * MIB, 1024 * 1024);
    Path vmDir = dir.resolve("vms/vm-3");

    RootDisk disk = factory.create(image, vmDir, "vm-3");

    assertThat(disk.strategy())
        .isEqualTo(
            "ext4".equals(Files.getFileStore(dir).type())
                ? CowStrategy.SPARSE_COPY
                : factory.probe(dir).strategy());
    assertThat(Files.size(disk.path())).isEqualTo(256 * MIB);
    assertThat(Files.mismatch(image, disk.path())).isEqualTo(-1);
    assertThat(allocatedBytes(disk.path())).isLessThanOrEqualTo(allocatedBytes(image) + MIB);
    HOST.check(List.of("e2fsck", "-f", "-n", disk.path().toString()));

    factory.destroy(disk);
    assertThat(disk.path()).doesNotExist();
  }

  @Test
  void factoryLimitedToSparseCopyNeverClones() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach a loop device and mount xfs");
    RootDiskFactory sparseOnly = new RootDiskFactory(HOST, EnumSet.of(CowStrategy.SPARSE_COPY));
    try (LoopMountedFilesystem xfs = LoopMountedFilesystem.xfsWithReflink(dir)) {
      Path image = DiskFixtures.ext4Image(xfs.root(), "rootfs.ext4", 64 * MIB, 4096);

      assertThat(sparseOnly.probe(xfs.root()).strategy()).isEqualTo(CowStrategy.SPARSE_COPY);
      RootDisk disk = sparseOnly.create(image, xfs.root().resolve("vm-4"), "vm-4");
      assertThat(disk.strategy()).isEqualTo(CowStrategy.SPARSE_COPY);
      sparseOnly.destroy(disk);
    }
  }

  @Test
  void missingImageIsReportedByPath() {
    Path missing = dir.resolve("images/nope/rootfs.ext4");

    assertThatThrownBy(() -> factory.create(missing, dir.resolve("vm-5"), "vm-5"))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining(missing.toString());
    assertThat(dir.resolve("vm-5")).doesNotExist();
  }

  @Test
  void vmIdUnsafeForTagsIsRejected() throws Exception {
    Path image = Files.writeString(dir.resolve("image"), "x");

    assertThatThrownBy(() -> factory.create(image, dir.resolve("vm"), "../escape"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("../escape");
  }

  @Test
  void rootDiskRecordRequiresSnapshotDevicesExactlyForSnapshots() {
    assertThatThrownBy(
            () ->
                new RootDisk(
                    "vm",
                    Path.of("/dev/mapper/banger-vm"),
                    CowStrategy.DM_SNAPSHOT,
                    java.util.Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static void assertNoProbeLeftovers(Path directory) throws Exception {
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(name -> name.startsWith(".banger-reflink-probe-"));
    }
  }
}
