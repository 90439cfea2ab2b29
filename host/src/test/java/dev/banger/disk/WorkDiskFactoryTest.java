package dev.banger.disk;

import static dev.banger.disk.DiskFixtures.allocatedBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.hostos.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDiskFactoryTest {
  private static final long MIB = 1024 * 1024;
  private static final long GIB = 1024 * MIB;
  private static final CommandRunner HOST = CommandRunner.onHost();

  private final WorkDiskFactory factory = new WorkDiskFactory(HOST);

  @TempDir Path dir;

  @Test
  void blankWorkDiskIsASparseLabelledExt4OfTheRequestedSize() throws Exception {
    Path vmDir = dir.resolve("vm-1");

    WorkDisk disk = factory.create(vmDir, Optional.empty(), 4 * GIB);

    assertThat(disk.path()).isEqualTo(vmDir.resolve(WorkDiskFactory.WORK_DISK_FILE));
    assertThat(disk.sizeBytes()).isEqualTo(4 * GIB);
    assertThat(disk.seedCopy()).isEmpty();
    assertThat(Files.size(disk.path())).isEqualTo(4 * GIB);
    assertThat(allocatedBytes(disk.path())).isLessThan(200 * MIB);
    String superblock = dumpe2fs(disk.path());
    assertThat(superblock).containsPattern("Filesystem volume name:\\s+banger-work");
    assertThat(filesystemBytes(superblock)).isEqualTo(4 * GIB);
    HOST.check(List.of("e2fsck", "-f", "-n", disk.path().toString()));

    factory.destroy(disk);
    assertThat(disk.path()).doesNotExist();
  }

  @Test
  void seedIsCopiedAndGrownKeepingItsFiles() throws Exception {
    Path seed = DiskFixtures.ext4Image(dir, "work-seed.ext4", 64 * MIB, 512 * 1024);

    WorkDisk disk = factory.create(dir.resolve("vm-2"), Optional.of(seed), GIB);

    assertThat(disk.seedCopy()).isPresent();
    assertThat(disk.sizeBytes()).isEqualTo(GIB);
    assertThat(filesystemBytes(dumpe2fs(disk.path()))).isEqualTo(GIB);
    assertThat(new Ext4Files(HOST).readFile(disk.path(), "/etc/hostname"))
        .isEqualTo(DiskFixtures.utf8("banger-test\n"));
    assertThat(Files.size(seed)).as("the seed itself is untouched").isEqualTo(64 * MIB);
    HOST.check(List.of("e2fsck", "-f", "-n", disk.path().toString()));
  }

  @Test
  void seedLargerThanTheRequestedSizeKeepsItsSize() throws Exception {
    Path seed = DiskFixtures.ext4Image(dir, "big-seed.ext4", 128 * MIB, 4096);

    WorkDisk disk = factory.create(dir.resolve("vm-3"), Optional.of(seed), 64 * MIB);

    assertThat(disk.sizeBytes()).isEqualTo(128 * MIB);
    assertThat(filesystemBytes(dumpe2fs(disk.path()))).isEqualTo(128 * MIB);
  }

  @Test
  void sizeBelowTheMinimumIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> factory.create(dir.resolve("vm-4"), Optional.empty(), 10 * MIB))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining(Long.toString(10 * MIB))
        .hasMessageContaining("64 MiB");
    assertThat(dir.resolve("vm-4")).doesNotExist();
  }

  @Test
  void missingSeedIsReportedAndLeavesNoDisk() {
    Path missing = dir.resolve("images/x/work-seed.ext4");

    assertThatThrownBy(() -> factory.create(dir.resolve("vm-5"), Optional.of(missing), GIB))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining(missing.toString());
    assertThat(dir.resolve("vm-5").resolve(WorkDiskFactory.WORK_DISK_FILE)).doesNotExist();
  }

  @Test
  void seedThatIsNotExt4FailsAndLeavesNoDisk() throws Exception {
    Path seed = Files.write(dir.resolve("garbage.img"), DiskFixtures.pseudoRandom(4096, 9));

    assertThatThrownBy(() -> factory.create(dir.resolve("vm-6"), Optional.of(seed), GIB))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("vm-6");
    assertThat(dir.resolve("vm-6").resolve(WorkDiskFactory.WORK_DISK_FILE)).doesNotExist();
  }

  @Test
  void existingWorkDiskIsNeitherReplacedNorDeleted() throws Exception {
    Path vmDir = Files.createDirectories(dir.resolve("vm-7"));
    Path existing = Files.writeString(vmDir.resolve(WorkDiskFactory.WORK_DISK_FILE), "data");

    assertThatThrownBy(() -> factory.create(vmDir, Optional.empty(), GIB))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("already exists");
    assertThat(Files.readString(existing)).isEqualTo("data");
  }

  private static String dumpe2fs(Path image) throws Exception {
    return HOST.check(List.of("dumpe2fs", "-h", image.toString())).stdout();
  }

  private static long filesystemBytes(String superblock) {
    Matcher blocks = Pattern.compile("Block count:\\s+(\\d+)").matcher(superblock);
    Matcher size = Pattern.compile("Block size:\\s+(\\d+)").matcher(superblock);
    assertThat(blocks.find() && size.find())
        .as("dumpe2fs output has block count and size")
        .isTrue();
    return Long.parseLong(blocks.group(1)) * Long.parseLong(size.group(1));
  }
}
