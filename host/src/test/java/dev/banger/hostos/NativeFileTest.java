package dev.banger.hostos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeFileTest {
  private static final long MIB = 1024 * 1024;

  @TempDir Path dir;

  @Test
  void seekFindsDataBetweenHoles() throws Exception {
    Path file = dir.resolve("sparse");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(16 * MIB);
      raf.seek(4 * MIB);
      raf.write(new byte[] {1, 2, 3});
    }

    try (NativeFile sparse = NativeFile.openForReading(file)) {
      long data = sparse.nextData(0).orElseThrow();
      long hole = sparse.nextHole(data);

      assertThat(data).isLessThanOrEqualTo(4 * MIB).isGreaterThan(0);
      assertThat(hole).isGreaterThan(4 * MIB).isLessThan(16 * MIB);
      assertThat(sparse.nextData(hole)).isEmpty();
      assertThat(sparse.nextHole(hole)).isEqualTo(hole);
    }
  }

  @Test
  void createNewMakesFileWithRequestedMode() throws Exception {
    Path file = dir.resolve("new");

    try (NativeFile created = NativeFile.createNew(file, 0640)) {
      assertThat(created.descriptor()).isGreaterThan(2);
    }

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-r-----");
  }

  @Test
  void createNewRefusesAnExistingFileWithErrno() throws Exception {
    Path file = Files.writeString(dir.resolve("existing"), "keep me");

    assertThatThrownBy(() -> NativeFile.createNew(file, 0600))
        .isInstanceOfSatisfying(
            NativeCallException.class, e -> assertThat(e.errno().code()).isEqualTo(17))
        .hasMessageContaining(file.toString())
        .hasMessageContaining("File exists");
    assertThat(Files.readString(file)).isEqualTo("keep me");
  }

  @Test
  void openingMissingFileNamesThePath() {
    Path missing = dir.resolve("missing");

    assertThatThrownBy(() -> NativeFile.openForReading(missing))
        .isInstanceOf(NativeCallException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("No such file or directory");
  }

  @Test
  void ficloneOnFilesystemWithoutReflinkReportsErrno() throws Exception {
    Path source = Files.writeString(dir.resolve("source"), "data");
    Path target = dir.resolve("target");
    String fsType = Files.getFileStore(dir).type();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        fsType.equals("ext4") || fsType.equals("tmpfs"),
        "needs the temporary directory on ext4 or tmpfs (no reflink), found " + fsType);

    try (NativeFile from = NativeFile.openForReading(source);
        NativeFile to = NativeFile.createNew(target, 0600)) {
      assertThatThrownBy(() -> Ioctl.ficlone(to, from))
          .isInstanceOfSatisfying(
              NativeCallException.class,
              e -> assertThat(e.errno()).isIn(Errno.EOPNOTSUPP, Errno.EINVAL, Errno.EXDEV))
          .hasMessageContaining("FICLONE");
    }
  }
}
