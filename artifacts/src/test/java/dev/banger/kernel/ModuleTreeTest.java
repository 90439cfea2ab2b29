package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleTreeTest {

  @TempDir Path modules;

  @Test
  void writesModulesDepFromModinfoInDepmodFormat() throws Exception {
    virtioLikeTree();

    int count = ModuleTree.writeModulesDep(modules);

    assertThat(count).isEqualTo(6);
    List<String> lines = Files.readAllLines(modules.resolve("modules.dep"));
    assertThat(lines)
        .contains(
            "kernel/drivers/virtio/virtio_ring.ko:",
            "kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko",
            "kernel/drivers/net/virtio_net.ko: kernel/drivers/virtio/virtio.ko"
                + " kernel/drivers/virtio/virtio_ring.ko kernel/drivers/net/net_failover.ko"
                + " kernel/net/core/failover.ko");
    // depmod writes lines in modules.order order.
    assertThat(lines.getFirst()).startsWith("kernel/drivers/virtio/virtio_ring.ko:");
  }

  @Test
  void loadOrderPutsEveryDependencyFirstWhateverTheRequestOrder() throws Exception {
    virtioLikeTree();
    ModuleTree.writeModulesDep(modules);
    ModuleTree tree = ModuleTree.open(modules);

    List<String> order =
        tree.loadOrder(List.of("virtio_net", "virtio-blk")).stream().map(ModuleFile::name).toList();

    // modprobe's order: the reverse of each module's modules.dep list, then the module.
    assertThat(order)
        .containsExactly(
            "failover", "net_failover", "virtio_ring", "virtio", "virtio_net", "virtio_blk");
    assertThat(tree.dependencies("virtio_net"))
        .containsExactly("virtio", "virtio_ring", "net_failover", "failover");
  }

  @Test
  void builtInModulesAreSkippedAndUnknownOnesAreErrors() throws Exception {
    virtioLikeTree();
    Files.writeString(modules.resolve("modules.builtin"), "kernel/fs/ext4/ext4.ko\n");
    ModuleTree.writeModulesDep(modules);
    ModuleTree tree = ModuleTree.open(modules);

    assertThat(tree.loadOrder(List.of("ext4", "virtio_ring")))
        .extracting(ModuleFile::name)
        .containsExactly("virtio_ring");
    assertThat(tree.isBuiltin("ext4")).isTrue();
    assertThatThrownBy(() -> tree.loadOrder(List.of("vsock")))
        .hasMessageContaining(
            "Module 'vsock' is neither built into the kernel nor present in '" + modules + "'");
  }

  @Test
  void dependencyCycleIsReportedWithItsPath() throws Exception {
    Files.writeString(
        modules.resolve("modules.dep"),
        "kernel/a.ko: kernel/b.ko\nkernel/b.ko: kernel/c.ko\nkernel/c.ko: kernel/a.ko\n");

    assertThatThrownBy(() -> ModuleTree.open(modules).loadOrder(List.of("a")))
        .hasMessageContaining("cycle")
        .hasMessageContaining("-> a");
  }

  @Test
  void missingModulesDepIsAClearError() {
    assertThatThrownBy(() -> ModuleTree.open(modules))
        .isInstanceOf(KernelException.class)
        .hasMessageContaining("'" + modules + "' has no modules.dep");
  }

  @Test
  void malformedModulesDepLineIsReportedWithItsNumber() throws Exception {
    Files.writeString(modules.resolve("modules.dep"), "kernel/a.ko:\nthis is not a dep line\n");

    assertThatThrownBy(() -> ModuleTree.open(modules)).hasMessageContaining("Line 2 of");
  }

  @Test
  void compressedModulesAreReadAndDependOnHyphenatedNames() throws Exception {
    write(
        "kernel/drivers/char/hw_random/virtio-rng.ko.xz",
        compress(PayloadCompression.XZ, TestElf.module("virtio_rng", List.of("virtio"))));
    write(
        "kernel/drivers/virtio/virtio.ko.zst",
        compress(PayloadCompression.ZSTD, TestElf.module("virtio", List.of())));

    ModuleTree.writeModulesDep(modules);
    ModuleTree tree = ModuleTree.open(modules);

    assertThat(tree.loadOrder(List.of("virtio_rng")))
        .containsExactly(
            new ModuleFile("virtio", "kernel/drivers/virtio/virtio.ko.zst"),
            new ModuleFile("virtio_rng", "kernel/drivers/char/hw_random/virtio-rng.ko.xz"));
    assertThat(
            ModuleTree.readModule(
                modules.resolve("kernel/drivers/char/hw_random/virtio-rng.ko.xz")))
        .isEqualTo(TestElf.module("virtio_rng", List.of("virtio")));
  }

  @Test
  void moduleDependingOnAnAbsentModuleIsRefused() throws Exception {
    write("kernel/a.ko", TestElf.module("a", List.of("ghost")));

    assertThatThrownBy(() -> ModuleTree.writeModulesDep(modules))
        .hasMessageContaining("depends on 'ghost', which is not there");
  }

  @Test
  void fileThatIsNotAModuleIsAClearError() throws Exception {
    write("kernel/broken.ko", "not an elf".getBytes(StandardCharsets.US_ASCII));

    assertThatThrownBy(() -> ModuleTree.writeModulesDep(modules))
        .hasMessageContaining("kernel/broken.ko")
        .hasMessageContaining("not a 64-bit ELF object");
  }

  private void virtioLikeTree() throws Exception {
    write("kernel/drivers/virtio/virtio_ring.ko", TestElf.module("virtio_ring", List.of()));
    write("kernel/drivers/virtio/virtio.ko", TestElf.module("virtio", List.of("virtio_ring")));
    write("kernel/net/core/failover.ko", TestElf.module("failover", List.of()));
    write(
        "kernel/drivers/net/net_failover.ko", TestElf.module("net_failover", List.of("failover")));
    write(
        "kernel/drivers/net/virtio_net.ko",
        TestElf.module("virtio_net", List.of("virtio_ring", "virtio", "net_failover")));
    write(
        "kernel/drivers/block/virtio_blk.ko",
        TestElf.module("virtio_blk", List.of("virtio", "virtio_ring")));
    Files.writeString(
        modules.resolve("modules.order"),
        "kernel/drivers/virtio/virtio_ring.ko\nkernel/drivers/virtio/virtio.ko\n");
  }

  private void write(String relative, byte[] content) throws Exception {
    Path file = modules.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, content);
  }

  private byte[] compress(PayloadCompression compression, byte[] data) throws Exception {
    return TestCompressors.compress(compression, data, Files.createTempDirectory("compress"));
  }
}
