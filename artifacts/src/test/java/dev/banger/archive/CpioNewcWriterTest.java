package dev.banger.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpioNewcWriterTest {

  @TempDir Path temp;

  @Test
  void archiveIsReadBackByAnIndependentReaderWithEveryField() throws Exception {
    byte[] archive = sampleArchive();

    List<CpioArchiveEntry> entries = new ArrayList<>();
    List<String> contents = new ArrayList<>();
    try (CpioArchiveInputStream cpio =
        new CpioArchiveInputStream(new java.io.ByteArrayInputStream(archive))) {
      CpioArchiveEntry entry;
      while ((entry = cpio.getNextCPIOEntry()) != null) {
        entries.add(entry);
        contents.add(new String(cpio.readAllBytes(), StandardCharsets.UTF_8));
      }
    }

    assertThat(entries)
        .extracting(CpioArchiveEntry::getName)
        .containsExactly("bin", "bin/tool", "bin/odd", "bin/link", "dev/console");
    assertThat(entries).allMatch(e -> e.getFormat() == CpioArchiveEntry.FORMAT_NEW);
    assertThat(entries.get(0).isDirectory()).isTrue();
    assertThat(entries.get(0).getMode() & 07777).isEqualTo(0755);
    assertThat(entries.get(1).isRegularFile()).isTrue();
    assertThat(entries.get(1).getMode() & 07777).isEqualTo(0700);
    assertThat(entries.get(1).getTime()).isEqualTo(1_700_000_000L);
    assertThat(contents.get(1)).isEqualTo("#!/bin/sh\necho hi\n");
    assertThat(contents.get(2)).isEqualTo("12345");
    assertThat(entries.get(3).isSymbolicLink()).isTrue();
    assertThat(contents.get(3)).isEqualTo("tool");
    assertThat(entries.get(4).isCharacterDevice()).isTrue();
    assertThat(entries.get(4).getRemoteDeviceMaj()).isEqualTo(5);
    assertThat(entries.get(4).getRemoteDeviceMin()).isEqualTo(1);
    assertThat(entries).allMatch(e -> e.getUID() == 0 && e.getGID() == 0);
    assertThat(archive.length % 4).isZero();
  }

  @Test
  void archiveIsListedAndExtractedByTheCpioTool() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/cpio")), "needs the cpio tool (Debian cpio)");
    Path archive = Files.write(temp.resolve("a.cpio"), sampleArchive());
    Path out = Files.createDirectories(temp.resolve("out"));

    String listing = run(out, "cpio", "-itv", "-F", archive.toString());
    run(out, "cpio", "-id", "--no-absolute-filenames", "-F", archive.toString(), "bin/*");

    assertThat(listing).contains("crw-------", "5,", "dev/console", "bin/link -> tool");
    assertThat(Files.readString(out.resolve("bin/tool"))).isEqualTo("#!/bin/sh\necho hi\n");
    assertThat(Files.readString(out.resolve("bin/odd"))).isEqualTo("12345");
    assertThat(Files.readSymbolicLink(out.resolve("bin/link"))).isEqualTo(Path.of("tool"));
  }

  @Test
  void refusesEscapingAbsoluteAndDuplicatePaths() throws Exception {
    try (CpioNewcWriter cpio = new CpioNewcWriter(new ByteArrayOutputStream())) {
      cpio.directory("etc", 0755, 0);

      assertThatThrownBy(() -> cpio.directory("etc", 0755, 0))
          .hasMessageContaining("'etc' was already written");
      assertThatThrownBy(() -> cpio.file("../x", 0644, 0, new byte[0]))
          .hasMessageContaining("'..'");
      assertThatThrownBy(() -> cpio.file("/abs", 0644, 0, new byte[0]))
          .hasMessageContaining("must be relative");
    }
  }

  @Test
  void refusesEntriesAfterTheTrailer() throws Exception {
    CpioNewcWriter cpio = new CpioNewcWriter(new ByteArrayOutputStream());
    cpio.finish();

    assertThatThrownBy(() -> cpio.directory("late", 0755, 0))
        .hasMessageContaining("already finished");
    cpio.close();
  }

  private byte[] sampleArchive() throws IOException {
    Path odd = Files.writeString(temp.resolve("odd"), "12345");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (CpioNewcWriter cpio = new CpioNewcWriter(bytes)) {
      cpio.directory("bin", 0755, 1_700_000_000L);
      cpio.file(
          "bin/tool",
          0700,
          1_700_000_000L,
          "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8));
      cpio.file("bin/odd", 0644, 1_700_000_000L, odd);
      cpio.symlink("bin/link", "tool", 1_700_000_000L);
      cpio.characterDevice("dev/console", 0600, 5, 1);
    }
    return bytes.toByteArray();
  }

  private static String run(Path dir, String... command) throws Exception {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    try (InputStream in = process.getInputStream()) {
      String output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor()).as("%s: %s", String.join(" ", command), output).isZero();
      return output;
    }
  }
}
