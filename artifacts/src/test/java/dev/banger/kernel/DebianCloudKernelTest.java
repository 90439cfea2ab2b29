package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.download.Cancellation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebianCloudKernelTest {

  @TempDir Path temp;

  @Test
  void debianBzImageHasAnLz4LegacyPayloadThatDecodesToAPvhElf() throws Exception {
    KernelLayout kernel = DebianCloudKernel.layout();
    BzImage bzImage = BzImage.read(kernel.bzImage());

    VmlinuxInfo info = bzImage.extractVmlinux(temp.resolve("vmlinux"), Cancellation.create());

    assertThat(bzImage.payloadCompression()).isEqualTo(PayloadCompression.LZ4_LEGACY);
    assertThat(bzImage.release()).matches("6\\.1\\.0-\\d+-cloud-amd64");
    assertThat(bzImage.versionString()).startsWith(bzImage.release() + " (");
    assertThat(info.pvhNote()).isTrue();
    assertThat(info.pvhEntryPoint()).isPositive().isLessThan(1L << 32);
    assertThat(info.size()).isGreaterThan(30L << 20);
    assertThat(Files.mismatch(temp.resolve("vmlinux"), kernel.vmlinux())).isEqualTo(-1);
  }

  @Test
  void factsRecordTheDebianConfiguration() throws Exception {
    KernelFacts facts = KernelFacts.read(DebianCloudKernel.layout().facts());

    assertThat(facts.packageName()).matches("linux-image-6\\.1\\.0-\\d+-cloud-amd64");
    assertThat(facts.release()).isEqualTo(facts.packageName().substring("linux-image-".length()));
    assertThat(facts.pvhNote()).isTrue();
    assertThat(facts.payloadCompression()).isEqualTo("LZ4_LEGACY");
    assertThat(facts.ext4()).isEqualTo(FeatureSupport.BUILT_IN);
    assertThat(List.of(facts.virtio(), facts.virtioMmio(), facts.virtioBlk(), facts.virtioNet()))
        .containsOnly(FeatureSupport.MODULE);
    assertThat(facts.vsock()).isEqualTo(FeatureSupport.MODULE);
  }

  @Test
  void loadOrderFromTheGeneratedModulesDepPutsDependenciesFirst() throws Exception {
    ModuleTree modules = ModuleTree.open(DebianCloudKernel.layout().modules());

    List<String> order =
        modules.loadOrder(InitramfsBuilder.DEFAULT_MODULES.reversed()).stream()
            .map(ModuleFile::name)
            .toList();

    assertThat(order)
        .containsExactlyInAnyOrderElementsOf(InitramfsBuilder.DEFAULT_MODULES)
        .satisfies(o -> assertThat(o.indexOf("virtio_ring")).isLessThan(o.indexOf("virtio")))
        .satisfies(o -> assertThat(o.indexOf("virtio")).isLessThan(o.indexOf("virtio_mmio")))
        .satisfies(o -> assertThat(o.indexOf("failover")).isLessThan(o.indexOf("net_failover")))
        .satisfies(o -> assertThat(o.indexOf("net_failover")).isLessThan(o.indexOf("virtio_net")))
        .satisfies(
            o ->
                assertThat(o.indexOf("vsock"))
                    .isLessThan(o.indexOf("vmw_vsock_virtio_transport_common")))
        .satisfies(
            o ->
                assertThat(o.indexOf("vmw_vsock_virtio_transport_common"))
                    .isLessThan(o.indexOf("vmw_vsock_virtio_transport")));
    assertThat(modules.isBuiltin("ext4")).isTrue();
    assertThat(modules.moduleCount()).isGreaterThan(1000);
  }
}
