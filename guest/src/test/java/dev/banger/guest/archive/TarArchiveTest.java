package dev.banger.guest.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarArchiveTest {
  @TempDir Path tmp;

  private interface Entries {
    void add(TarArchiveOutputStream tar) throws IOException;
  }

  /** A hand-made archive, as a misbehaving guest could send. */
  private static byte[] archive(Entries entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      entries.add(tar);
    }
    return out.toByteArray();
  }

  private static void file(TarArchiveOutputStream tar, String name, String content, int mode)
      throws IOException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(bytes.length);
    e.setMode(mode);
    e.setModTime(FileTime.from(Instant.ofEpochSecond(1_600_000_000)));
    tar.putArchiveEntry(e);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  private static void symlink(TarArchiveOutputStream tar, String name, String target)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  @Test
  void packedTreeUnpacksWithContentModesTimesAndLinks() throws Exception {
    Path src = Files.createDirectory(tmp.resolve("src"));
    Path sub = Files.createDirectory(src.resolve("sub"));
    Files.writeString(sub.resolve("data.txt"), "payload\n");
    Files.setPosixFilePermissions(
        sub.resolve("data.txt"), PosixFilePermissions.fromString("rw-r-----"));
    Files.setLastModifiedTime(
        sub.resolve("data.txt"), FileTime.from(Instant.ofEpochSecond(1_500_000_000)));
    Files.createSymbolicLink(src.resolve("link"), Path.of("sub/data.txt"));
    Path deep = src.resolve("d".repeat(90)).resolve("e".repeat(90));
    Files.createDirectories(deep);
    Files.writeString(deep.resolve("f".repeat(90)), "deep");
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-x---"));
    Files.setLastModifiedTime(sub, FileTime.from(Instant.ofEpochSecond(1_400_000_000)));

    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    TarPacker.pack(src, tar);
    Path dst = tmp.resolve("dst");
    TarUnpacker.unpack(new ByteArrayInputStream(tar.toByteArray()), dst, Long.MAX_VALUE);

    assertThat(Files.readString(dst.resolve("sub/data.txt"))).isEqualTo("payload\n");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dst.resolve("sub/data.txt"))))
        .isEqualTo("rw-r-----");
    assertThat(Files.getLastModifiedTime(dst.resolve("sub/data.txt")).toInstant())
        .isEqualTo(Instant.ofEpochSecond(1_500_000_000));
    assertThat(Files.readSymbolicLink(dst.resolve("link"))).isEqualTo(Path.of("sub/data.txt"));
    assertThat(Files.readString(dst.resolve(src.relativize(deep)).resolve("f".repeat(90))))
        .isEqualTo("deep");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dst.resolve("sub"))))
        .isEqualTo("rwxr-x---");
    assertThat(Files.getLastModifiedTime(dst.resolve("sub")).toInstant())
        .isEqualTo(Instant.ofEpochSecond(1_400_000_000));
  }

  @Test
  void entryClimbingOutOfTheTargetIsRefused() throws Exception {
    byte[] bad = archive(tar -> file(tar, "../escaped", "x", 0644));
    Path dst = tmp.resolve("dst");
    assertThatThrownBy(() -> TarUnpacker.unpack(new ByteArrayInputStream(bad), dst, 1000))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("../escaped");
    assertThat(tmp.resolve("escaped")).doesNotExist();
  }

  @Test
  void absoluteNamesStayInsideTheTarget() throws Exception {
    byte[] abs = archive(tar -> file(tar, "/etc/passwd-banger-test", "x", 0644));
    Path dst = tmp.resolve("dst");
    TarUnpacker.unpack(new ByteArrayInputStream(abs), dst, 1000);
    assertThat(dst.resolve("etc/passwd-banger-test")).hasContent("x");
    assertThat(Path.of("/etc/passwd-banger-test")).doesNotExist();
  }

  @Test
  void nothingIsWrittenThroughALinkFromTheSameArchive() throws Exception {
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    byte[] bad =
        archive(
            tar -> {
              symlink(tar, "link", outside.toString());
              file(tar, "link/pwned", "x", 0644);
            });
    Path dst = tmp.resolve("dst");
    assertThatThrownBy(() -> TarUnpacker.unpack(new ByteArrayInputStream(bad), dst, 1000))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("through the symbolic link");
    assertThat(outside.resolve("pwned")).doesNotExist();
  }

  @Test
  void fileReplacingALinkDoesNotFollowIt() throws Exception {
    Path victim = Files.writeString(tmp.resolve("victim"), "original");
    byte[] bad =
        archive(
            tar -> {
              symlink(tar, "f", victim.toString());
              file(tar, "f", "overwritten", 0644);
            });
    Path dst = tmp.resolve("dst");
    TarUnpacker.unpack(new ByteArrayInputStream(bad), dst, 1000);
    assertThat(victim).hasContent("original");
    assertThat(Files.isSymbolicLink(dst.resolve("f"))).isFalse();
    assertThat(dst.resolve("f")).hasContent("overwritten");
  }

  @Test
  void contentBeyondTheLimitStopsTheUnpack() throws Exception {
    byte[] big = archive(tar -> file(tar, "big", "x".repeat(5000), 0644));
    Path dst = tmp.resolve("dst");
    assertThatThrownBy(() -> TarUnpacker.unpack(new ByteArrayInputStream(big), dst, 4096))
        .isInstanceOfSatisfying(ArchiveException.class, e -> assertThat(e.isLimit()).isTrue())
        .hasMessageContaining("4096");
  }

  @Test
  void setuidAndStickyBitsFromTheGuestAreDropped() throws Exception {
    byte[] suid = archive(tar -> file(tar, "tool", "#!/bin/sh\n", 04755));
    Path dst = tmp.resolve("dst");
    TarUnpacker.unpack(new ByteArrayInputStream(suid), dst, 1000);
    int mode =
        (Integer) Files.getAttribute(dst.resolve("tool"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
    assertThat(mode & 07777).isEqualTo(0755);
  }
}
