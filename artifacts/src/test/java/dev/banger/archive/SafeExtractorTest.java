package dev.banger.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.download.Cancellation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafeExtractorTest {

  private static final Instant MTIME = Instant.parse("2023-05-06T07:08:09Z");

  @TempDir Path temp;
  private Path root;
  private Path outside;
  private final SafeExtractor extractor = new SafeExtractor(ExtractionLimits.DEFAULT);

  @BeforeEach
  void layout() throws IOException {
    root = temp.resolve("root");
    outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "untouched");
  }

  @ParameterizedTest
  @EnumSource(TarCompression.class)
  void extractsEachCompressionKeepingModesAndTimes(TarCompression compression) throws Exception {
    Path archive =
        new TarBuilder()
            .directory("bin", 0750, MTIME)
            .file("bin/tool", "#!/bin/sh\n", 0755, MTIME)
            .file("etc/config", "key=value\n", 0600, MTIME)
            .symlink("bin/alias", "tool")
            .hardLink("etc/config-copy", "etc/config")
            .write(temp.resolve("a.tar"), compression);

    ExtractionSummary summary = extractor.extract(archive, root);

    assertThat(summary.entries()).isEqualTo(5);
    assertThat(summary.bytes()).isEqualTo(10 + 10);
    assertThat(Files.readString(root.resolve("bin/tool"))).isEqualTo("#!/bin/sh\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("bin"))))
        .isEqualTo("rwxr-x---");
    assertThat(mode(root.resolve("bin/tool"))).isEqualTo("rwxr-xr-x");
    assertThat(mode(root.resolve("etc/config"))).isEqualTo("rw-------");
    assertThat(Files.getLastModifiedTime(root.resolve("bin/tool")).toInstant()).isEqualTo(MTIME);
    assertThat(Files.getLastModifiedTime(root.resolve("bin")).toInstant()).isEqualTo(MTIME);
    assertThat(Files.readSymbolicLink(root.resolve("bin/alias"))).isEqualTo(Path.of("tool"));
    assertThat(Files.isSameFile(root.resolve("etc/config-copy"), root.resolve("etc/config")))
        .isTrue();
  }

  @Test
  void refusesParentDirectoryComponents() throws Exception {
    Path archive = new TarBuilder().file("ok", "x").file("../evil", "x").write(tar(), plain());

    assertRefused(archive, "'../evil'", "'..' component");
    assertThat(temp.resolve("evil")).doesNotExist();
  }

  @Test
  void refusesAbsolutePaths() throws Exception {
    Path target = temp.resolve("absolute-evil");
    Path archive = new TarBuilder().file(target.toString(), "x").write(tar(), plain());

    assertRefused(archive, target.toString(), "path is absolute");
    assertThat(target).doesNotExist();
  }

  @Test
  void refusesSymlinkPointingOutside() throws Exception {
    Path archive = new TarBuilder().symlink("escape", "../outside").write(tar(), plain());

    assertRefused(archive, "'escape'", "outside the root");
  }

  @Test
  void refusesSymlinkToAnAbsolutePath() throws Exception {
    Path archive = new TarBuilder().symlink("passwd", "/etc/passwd").write(tar(), plain());

    assertRefused(archive, "'passwd'", "absolute path '/etc/passwd'");
  }

  @Test
  void refusesChainOfSymlinksThatLeadsOutside() throws Exception {
    // Each link alone stays inside; together z resolves to d/up/.. = root/.. = outside.
    Path archive =
        new TarBuilder()
            .directory("d", 0755, MTIME)
            .symlink("z", "d/up/..")
            .symlink("d/up", "..")
            .write(tar(), plain());

    assertRefused(archive, "'z'", "chain of symbolic links leads outside");
  }

  @Test
  void refusesWritingThroughASymlink() throws Exception {
    Path archive =
        new TarBuilder()
            .directory("inside", 0755, MTIME)
            .symlink("link", "inside")
            .file("link/file", "x")
            .write(tar(), plain());

    assertRefused(archive, "'link/file'", "written through the symbolic link 'link'");
  }

  @Test
  void laterFileReplacesASymlinkInsteadOfWritingThroughIt() throws Exception {
    Path archive =
        new TarBuilder()
            .file("target", "original")
            .symlink("name", "target")
            .file("name", "replacement")
            .write(tar(), plain());

    extractor.extract(archive, root);

    assertThat(Files.readString(root.resolve("target"))).isEqualTo("original");
    assertThat(Files.isSymbolicLink(root.resolve("name"))).isFalse();
    assertThat(Files.readString(root.resolve("name"))).isEqualTo("replacement");
  }

  @Test
  void refusesHardLinkPointingOutside() throws Exception {
    Path archive = new TarBuilder().hardLink("copy", "../outside/secret").write(tar(), plain());

    assertRefused(archive, "'copy'", "hard link to '../outside/secret', outside the root");
    assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("untouched");
  }

  @Test
  void refusesHardLinkToAnAbsolutePath() throws Exception {
    Path secret = outside.resolve("secret");
    Path archive = new TarBuilder().hardLink("copy", secret.toString()).write(tar(), plain());

    assertRefused(archive, "'copy'", "outside the root");
  }

  @Test
  void refusesHardLinkToAFileNotInTheArchive() throws Exception {
    Path archive = new TarBuilder().hardLink("copy", "missing").write(tar(), plain());

    assertRefused(archive, "'copy'", "not a regular file extracted earlier");
  }

  @Test
  void refusesHardLinkThroughASymlinkOfTheArchive() throws Exception {
    Path archive =
        new TarBuilder()
            .directory("d", 0755, MTIME)
            .file("d/f", "x")
            .symlink("s", "d")
            .hardLink("copy", "s/f")
            .write(tar(), plain());

    assertRefused(archive, "'copy'", "passes through the symbolic link 's'");
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(bytes = {'3', '4', '6'})
  void refusesDeviceFilesAndFifos(byte type) throws Exception {
    Path archive = new TarBuilder().special("dev/node", type).write(tar(), plain());

    assertThatThrownBy(() -> extractor.extract(archive, root))
        .isInstanceOf(ArchiveExtractionException.class)
        .hasMessageContaining("'dev/node'")
        .hasMessageMatching(".*(device file|FIFO).*");
    assertThat(root).doesNotExist();
  }

  @Test
  void refusesMoreEntriesThanTheLimit() throws Exception {
    TarBuilder builder = new TarBuilder();
    for (int i = 0; i < 11; i++) {
      builder.file("f" + i, "x");
    }
    Path archive = builder.write(tar(), plain());

    assertThatThrownBy(
            () -> new SafeExtractor(new ExtractionLimits(1 << 20, 10)).extract(archive, root))
        .hasMessageContaining("more than 10 entries");
    assertThat(root).doesNotExist();
  }

  @Test
  void refusesMoreContentThanTheLimit() throws Exception {
    Path archive =
        new TarBuilder()
            .file("a", "x".repeat(600))
            .file("b", "y".repeat(600))
            .write(tar(), plain());

    assertThatThrownBy(
            () -> new SafeExtractor(new ExtractionLimits(1000, 100)).extract(archive, root))
        .hasMessageContaining("'b'")
        .hasMessageContaining("limit of 1000 bytes");
    assertThat(root).doesNotExist();
  }

  @Test
  void leavesAPreExistingRootEmptyAfterARefusal() throws Exception {
    Files.createDirectories(root);
    Path archive =
        new TarBuilder().file("good", "x").symlink("bad", "../../x").write(tar(), plain());

    assertThatThrownBy(() -> extractor.extract(archive, root))
        .isInstanceOf(ArchiveExtractionException.class);

    assertThat(root).isEmptyDirectory();
  }

  @Test
  void refusesANonEmptyRoot() throws Exception {
    Files.createDirectories(root);
    Files.writeString(root.resolve("existing"), "keep");
    Path archive = new TarBuilder().file("a", "x").write(tar(), plain());

    assertThatThrownBy(() -> extractor.extract(archive, root)).hasMessageContaining("not empty");
    assertThat(Files.readString(root.resolve("existing"))).isEqualTo("keep");
  }

  @Test
  void malformedArchiveIsAClearError() throws Exception {
    byte[] garbage = new byte[4096];
    new java.util.Random(7).nextBytes(garbage);
    Path archive = Files.write(tar(), garbage);

    assertThatThrownBy(() -> extractor.extract(archive, root))
        .isInstanceOf(ArchiveExtractionException.class)
        .hasMessageContaining(archive.toString());
    assertThat(root).doesNotExist();
  }

  @Test
  void truncatedCompressedArchiveIsAClearErrorAndLeavesNothing() throws Exception {
    Path full = new TarBuilder().file("big", randomText(200_000)).write(tar(), TarCompression.ZSTD);
    byte[] bytes = Files.readAllBytes(full);
    Path truncated =
        Files.write(temp.resolve("cut.tar.zst"), java.util.Arrays.copyOf(bytes, bytes.length / 2));

    assertThatThrownBy(() -> extractor.extract(truncated, root))
        .isInstanceOf(ArchiveExtractionException.class)
        .hasMessageContaining(truncated.toString());
    assertThat(root).doesNotExist();
  }

  @Test
  void runsOfZerosBecomeHoles() throws Exception {
    byte[] content = new byte[8 << 20];
    content[content.length - 1] = 1;
    content[0] = 1;
    Path archive = new TarBuilder().file("disk.img", content, 0644, MTIME).write(tar(), plain());

    extractor.extract(archive, root);

    Path disk = root.resolve("disk.img");
    assertThat(Files.readAllBytes(disk)).isEqualTo(content);
    assertThat(allocatedBytes(disk)).isLessThan(1 << 20);
  }

  @Test
  void fileEndingInZerosKeepsItsFullLength() throws Exception {
    byte[] content = new byte[300_000];
    content[0] = 42;
    Path archive = new TarBuilder().file("tail", content, 0644, MTIME).write(tar(), plain());

    extractor.extract(archive, root);

    assertThat(Files.readAllBytes(root.resolve("tail"))).isEqualTo(content);
  }

  @Test
  void verifierSeesEveryEntryAndCanRefuseOne() throws Exception {
    Path archive = new TarBuilder().file("a", "first").file("b", "second").write(tar(), plain());
    List<String> seen = new java.util.ArrayList<>();

    assertThatThrownBy(
            () ->
                extractor.extract(
                    archive,
                    root,
                    entry -> {
                      seen.add(entry.path() + ":" + entry.kind() + ":" + entry.size());
                      if (entry.path().equals("b")) {
                        throw new ArchiveExtractionException("b is not wanted");
                      }
                      return EntryVerifier.ContentCheck.NONE;
                    },
                    Cancellation.create()))
        .hasMessage("b is not wanted");
    assertThat(seen).containsExactly("a:FILE:5", "b:FILE:6");
    assertThat(root).doesNotExist();
  }

  @Test
  void cancellationStopsTheExtractionAndCleansUp() throws Exception {
    Path archive = new TarBuilder().file("a", "x").file("b", "y").write(tar(), plain());
    Cancellation cancellation = Cancellation.create();

    assertThatThrownBy(
            () ->
                extractor.extract(
                    archive,
                    root,
                    entry -> {
                      cancellation.cancel();
                      return EntryVerifier.ContentCheck.NONE;
                    },
                    cancellation))
        .isInstanceOf(CancellationException.class);
    assertThat(root).doesNotExist();
  }

  private void assertRefused(Path archive, String entry, String reason) throws IOException {
    assertThatThrownBy(() -> extractor.extract(archive, root))
        .isInstanceOf(ArchiveExtractionException.class)
        .hasMessageContaining("Refused to extract entry")
        .hasMessageContaining(entry)
        .hasMessageContaining(archive.toString())
        .hasMessageContaining(reason);
    assertThat(root).doesNotExist();
    try (Stream<Path> files = Files.list(outside)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("secret");
    }
    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("outside", archive.getFileName().toString());
    }
  }

  private Path tar() {
    return temp.resolve("archive.tar");
  }

  private static TarCompression plain() {
    return TarCompression.NONE;
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
  }

  private static String randomText(int length) {
    java.util.Random random = new java.util.Random(1);
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append((char) ('a' + random.nextInt(26)));
    }
    return text.toString();
  }

  private static long allocatedBytes(Path file) throws Exception {
    Process stat =
        new ProcessBuilder("stat", "--format=%b %B", file.toString())
            .redirectErrorStream(true)
            .start();
    String[] fields =
        new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
    assertThat(stat.waitFor()).isZero();
    return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
  }
}
