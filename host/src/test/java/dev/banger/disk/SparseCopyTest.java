package dev.banger.disk;

import static dev.banger.disk.DiskFixtures.allocatedBytes;
import static dev.banger.disk.DiskFixtures.pseudoRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseCopyTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path dir;

  @Test
  void copyKeepsHolesSizeAndContent() throws Exception {
    byte[] chunk = pseudoRandom(256 * 1024, 7);
    Path source =
        DiskFixtures.sparseFile(dir.resolve("image"), 256 * MIB, chunk, 0, 100 * MIB, 255 * MIB);
    Path copy = dir.resolve("copy");

    long copied = SparseCopy.copy(source, copy);

    assertThat(Files.size(copy)).isEqualTo(256 * MIB);
    assertThat(copied).isLessThan(4 * MIB);
    assertThat(allocatedBytes(copy)).isLessThan(4 * MIB);
    assertThat(Files.mismatch(source, copy)).isEqualTo(-1);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)))
        .isEqualTo("rw-------");
  }

  @Test
  void trailingHoleIsKeptAsHole() throws Exception {
    Path source = DiskFixtures.sparseFile(dir.resolve("image"), 64 * MIB, new byte[] {9}, 0);
    Path copy = dir.resolve("copy");

    SparseCopy.copy(source, copy);

    assertThat(Files.size(copy)).isEqualTo(64 * MIB);
    assertThat(allocatedBytes(copy)).isLessThan(MIB);
    byte[] tail =
        Arrays.copyOfRange(Files.readAllBytes(copy), (int) (64 * MIB - 16), (int) (64 * MIB));
    assertThat(tail).containsOnly(0);
  }

  @Test
  void fullyWrittenFileIsCopiedWhole() throws Exception {
    Path source = Files.write(dir.resolve("dense"), pseudoRandom(3 * 1024 * 1024 + 17, 3));
    Path copy = dir.resolve("copy");

    long copied = SparseCopy.copy(source, copy);

    assertThat(copied).isEqualTo(Files.size(source));
    assertThat(Files.mismatch(source, copy)).isEqualTo(-1);
  }

  @Test
  void existingDestinationIsNeitherOverwrittenNorDeleted() throws Exception {
    Path source = Files.writeString(dir.resolve("image"), "image");
    Path existing = Files.writeString(dir.resolve("rootfs.img"), "a VM's disk");

    assertThatThrownBy(() -> SparseCopy.copy(source, existing))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining(existing.toString());
    assertThat(Files.readString(existing)).isEqualTo("a VM's disk");
  }

  @Test
  void missingSourceLeavesNoDestinationBehind() {
    Path copy = dir.resolve("copy");

    assertThatThrownBy(() -> SparseCopy.copy(dir.resolve("missing"), copy))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("missing");
    assertThat(copy).doesNotExist();
  }
}
