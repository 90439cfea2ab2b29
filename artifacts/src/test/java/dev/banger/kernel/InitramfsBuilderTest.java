package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitramfsBuilderTest {

  private static final String RELEASE = "6.1.0-99-test-amd64";

  @TempDir Path temp;
  private Path modules;
  private Path busybox;

  @BeforeEach
  void tree() throws Exception {
    modules = temp.resolve("modules");
    write("kernel/drivers/virtio/virtio_ring.ko", TestElf.module("virtio_ring", List.of()));
    write(
        "kernel/drivers/virtio/virtio.ko.xz",
        TestCompressors.compress(
            PayloadCompression.XZ, TestElf.module("virtio", List.of("virtio_ring")), temp));
    write(
        "kernel/drivers/block/virtio_blk.ko",
        TestElf.module("virtio_blk", List.of("virtio", "virtio_ring")));
    ModuleTree.writeModulesDep(modules);
    busybox = Files.write(temp.resolve("busybox"), TestElf.body(4096));
  }

  @Test
  void archiveHoldsBusyboxInitDevicesAndModulesInLoadOrder() throws Exception {
    Path output = temp.resolve("initrd.img");

    List<ModuleFile> order =
        new InitramfsBuilder()
            .build(busybox, ModuleTree.open(modules), RELEASE, List.of("virtio_blk"), output);

    assertThat(order)
        .extracting(ModuleFile::name)
        .containsExactly("virtio_ring", "virtio", "virtio_blk");
    Map<String, CpioArchiveEntry> entries = new LinkedHashMap<>();
    Map<String, byte[]> contents = new LinkedHashMap<>();
    read(output, entries, contents);
    assertThat(entries.get("init").getMode() & 0777).isEqualTo(0755);
    assertThat(contents.get("init")).isEqualTo(InitramfsBuilder.initScript());
    assertThat(contents.get("bin/busybox")).isEqualTo(Files.readAllBytes(busybox));
    assertThat(entries.get("bin/sh").isSymbolicLink()).isTrue();
    assertThat(entries.get("dev/console").isCharacterDevice()).isTrue();
    assertThat(entries.get("dev/console").getRemoteDeviceMaj()).isEqualTo(5);
    String base = "lib/modules/" + RELEASE + "/kernel/drivers/";
    assertThat(new String(contents.get(InitramfsBuilder.MODULE_LIST), StandardCharsets.UTF_8))
        .isEqualTo(
            "virtio_ring /"
                + base
                + "virtio/virtio_ring.ko\n"
                + "virtio /"
                + base
                + "virtio/virtio.ko\n"
                + "virtio_blk /"
                + base
                + "block/virtio_blk.ko\n");
    // The xz module is stored decompressed, since busybox insmod may not decompress.
    assertThat(contents.get(base + "virtio/virtio.ko"))
        .isEqualTo(TestElf.module("virtio", List.of("virtio_ring")));
    assertParentsComeFirst(new ArrayList<>(entries.keySet()));
    assertThat(temp.resolve("initrd.img.part")).doesNotExist();
  }

  @Test
  void sameInputsGiveTheSameArchiveBytes() throws Exception {
    ModuleTree tree = ModuleTree.open(modules);
    Path first = temp.resolve("first.img");
    Path second = temp.resolve("second.img");

    new InitramfsBuilder().build(busybox, tree, RELEASE, List.of("virtio_blk"), first);
    new InitramfsBuilder().build(busybox, tree, RELEASE, List.of("virtio_blk"), second);

    assertThat(Files.mismatch(first, second)).isEqualTo(-1);
  }

  @Test
  void archiveIsAcceptedByTheCpioTool() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/cpio")), "needs the cpio tool (Debian cpio)");
    Path output = temp.resolve("initrd.img");
    new InitramfsBuilder()
        .build(busybox, ModuleTree.open(modules), RELEASE, List.of("virtio_blk"), output);
    Path plain = temp.resolve("initrd.cpio");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(output))) {
      Files.copy(in, plain);
    }

    Process cpio =
        new ProcessBuilder("cpio", "-t", "-F", plain.toString()).redirectErrorStream(true).start();
    String listing = new String(cpio.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(cpio.waitFor()).as(listing).isZero();
    assertThat(listing).contains("init\n", "bin/busybox\n", "etc/banger/modules\n");
  }

  @Test
  void initScriptPassesShellcheck() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/shellcheck")), "needs shellcheck");
    Path script = Files.write(temp.resolve("init"), InitramfsBuilder.initScript());

    Process check =
        new ProcessBuilder("shellcheck", "-s", "sh", script.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(check.waitFor()).as(output).isZero();
  }

  @Test
  void missingModuleFailsWithoutLeavingAnArchive() throws Exception {
    Path output = temp.resolve("initrd.img");

    assertThatThrownBy(
            () ->
                new InitramfsBuilder()
                    .build(busybox, ModuleTree.open(modules), RELEASE, List.of("vsock"), output))
        .isInstanceOf(KernelException.class)
        .hasMessageContaining("'vsock'");
    assertThat(output).doesNotExist();
    assertThat(temp.resolve("initrd.img.part")).doesNotExist();
  }

  private static void read(
      Path initrd, Map<String, CpioArchiveEntry> entries, Map<String, byte[]> contents)
      throws Exception {
    try (CpioArchiveInputStream cpio =
        new CpioArchiveInputStream(new GZIPInputStream(Files.newInputStream(initrd)))) {
      CpioArchiveEntry entry;
      while ((entry = cpio.getNextCPIOEntry()) != null) {
        assertThat(entries.put(entry.getName(), entry)).as(entry.getName()).isNull();
        contents.put(entry.getName(), cpio.readAllBytes());
      }
    }
  }

  private static void assertParentsComeFirst(List<String> names) {
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      int slash = name.lastIndexOf('/');
      if (slash > 0) {
        assertThat(names.subList(0, i)).as("parent of %s", name).contains(name.substring(0, slash));
      }
    }
  }

  private void write(String relative, byte[] content) throws Exception {
    Path file = modules.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, content);
  }
}
