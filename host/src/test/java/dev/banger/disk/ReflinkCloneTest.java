package dev.banger.disk;

import static dev.banger.disk.DiskFixtures.pseudoRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.Privileges;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReflinkCloneTest {
  private static final CommandRunner HOST = CommandRunner.onHost();

  @TempDir static Path work;
  @TempDir Path ext4Dir;

  private static LoopMountedFilesystem xfs;

  @BeforeAll
  static void mountXfs() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach a loop device and mount xfs");
    xfs = LoopMountedFilesystem.xfsWithReflink(work);
  }

  @AfterAll
  static void unmountXfs() throws Exception {
    if (xfs != null) {
      xfs.close();
    }
  }

  @Test
  void cloneOnXfsSharesEveryExtentWithTheSource() throws Exception {
    Path source = Files.write(xfs.root().resolve("image"), pseudoRandom(8 * 1024 * 1024, 1));
    Path clone = xfs.root().resolve("clone");

    assertThat(ReflinkClone.tryClone(source, clone)).isTrue();

    assertThat(Files.mismatch(source, clone)).isEqualTo(-1);
    List<String> extents = extentLines(clone);
    assertThat(extents).isNotEmpty().allSatisfy(line -> assertThat(line).contains("shared"));
  }

  @Test
  void writingTheCloneLeavesTheSourceUnchanged() throws Exception {
    byte[] original = pseudoRandom(1024 * 1024, 2);
    Path source = Files.write(xfs.root().resolve("base"), original);
    Path clone = xfs.root().resolve("base-clone");
    assertThat(ReflinkClone.tryClone(source, clone)).isTrue();

    try (RandomAccessFile raf = new RandomAccessFile(clone.toFile(), "rw")) {
      raf.seek(4096);
      raf.write(new byte[4096]);
    }

    assertThat(Files.readAllBytes(source)).isEqualTo(original);
    assertThat(Files.mismatch(source, clone)).isEqualTo(4096);
  }

  @Test
  void cloneAcrossFilesystemsIsDeclinedAndLeavesNothing() throws Exception {
    Path source = Files.write(ext4Dir.resolve("image"), pseudoRandom(4096, 3));
    Path clone = xfs.root().resolve("cross-clone");

    assertThat(ReflinkClone.tryClone(source, clone)).isFalse();
    assertThat(clone).doesNotExist();
  }

  @Test
  void cloneOnExt4IsDeclinedAndLeavesNothing() throws Exception {
    assumeTrue(
        "ext4".equals(Files.getFileStore(ext4Dir).type()),
        "needs the temporary directory on ext4, found " + Files.getFileStore(ext4Dir).type());
    Path source = Files.write(ext4Dir.resolve("image"), pseudoRandom(4096, 4));
    Path clone = ext4Dir.resolve("clone");

    assertThat(ReflinkClone.tryClone(source, clone)).isFalse();
    assertThat(clone).doesNotExist();
  }

  /** The extent lines of {@code filefrag -v}, whose flags column says "shared" for reflinks. */
  static List<String> extentLines(Path file) throws Exception {
    String report = HOST.check(List.of("filefrag", "-v", file.toString())).stdout();
    return report.lines().filter(line -> line.matches("\\s*\\d+:.*")).toList();
  }
}
