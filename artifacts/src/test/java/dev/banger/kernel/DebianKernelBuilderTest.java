package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.download.Cancellation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the whole build against Debian's real packages (the .deb files are cached). */
class DebianKernelBuilderTest {

  @TempDir Path temp;

  @BeforeEach
  void requireApt() {
    DebianCloudKernel.assumeAptTools();
  }

  @Test
  void buildsTheCompleteKernelDirectoryReportingEveryStage() throws Exception {
    Path kernelDir = temp.resolve("kernels/debian-cloud");
    Recorder recorder = new Recorder();

    KernelFacts facts =
        builder().build(DebianCloudKernel.PACKAGE, kernelDir, recorder, Cancellation.create());

    KernelLayout layout = new KernelLayout(kernelDir);
    assertThat(recorder.stages).containsExactly(KernelBuildStage.values());
    assertThat(recorder.lastDone).isEqualTo(recorder.lastTotal).isGreaterThan(20L << 20);
    assertThat(new BootFileValidator().checkKernel(layout.vmlinux()))
        .isEqualTo(KernelImageFormat.ELF);
    assertThat(new BootFileValidator().checkKernel(layout.bzImage()))
        .isEqualTo(KernelImageFormat.BZIMAGE);
    new BootFileValidator().checkInitrd(layout.initrd());
    assertThat(layout.modules().resolve("modules.dep")).isRegularFile();
    assertThat(layout.modules().resolve("modules.order")).isRegularFile();
    assertThat(layout.modules().resolve("kernel/drivers/virtio/virtio_mmio.ko")).isRegularFile();
    assertThat(layout.config()).content().contains("CONFIG_PVH=y");
    assertThat(KernelFacts.read(layout.facts())).isEqualTo(facts);
    assertThat(facts.initramfsModules())
        .containsExactlyInAnyOrderElementsOf(InitramfsBuilder.DEFAULT_MODULES);
    assertThat(siblings(kernelDir)).containsExactly("debian-cloud");
  }

  @Test
  void cancellationDuringTheBuildLeavesNothingBehind() throws Exception {
    Path kernelDir = temp.resolve("kernels/cancelled");
    Files.createDirectories(kernelDir.getParent());
    Cancellation cancellation = Cancellation.create();
    KernelBuildListener cancelWhileExtracting =
        new KernelBuildListener() {
          @Override
          public void stage(KernelBuildStage stage) {
            if (stage == KernelBuildStage.EXTRACTING_VMLINUX) {
              cancellation.cancel();
            }
          }
        };

    assertThatThrownBy(
            () ->
                builder()
                    .build(
                        DebianCloudKernel.PACKAGE, kernelDir, cancelWhileExtracting, cancellation))
        .isInstanceOf(CancellationException.class);
    assertThat(siblings(kernelDir)).isEmpty();
  }

  @Test
  void refusesATargetDirectoryThatIsNotEmpty() throws Exception {
    Path kernelDir = Files.createDirectories(temp.resolve("kernels/used"));
    Files.writeString(kernelDir.resolve("vmlinux"), "someone else's");

    assertThatThrownBy(
            () ->
                builder()
                    .build(
                        DebianCloudKernel.PACKAGE,
                        kernelDir,
                        KernelBuildListener.NONE,
                        Cancellation.create()))
        .isInstanceOf(KernelException.class)
        .hasMessageContaining("'" + kernelDir + "'")
        .hasMessageContaining("not empty");
    assertThat(kernelDir.resolve("vmlinux")).hasContent("someone else's");
  }

  @Test
  void unknownPackageIsAClearErrorNamingIt() throws Exception {
    Path kernelDir = temp.resolve("kernels/none");

    assertThatThrownBy(
            () ->
                builder()
                    .build(
                        "linux-image-banger-no-such-package",
                        kernelDir,
                        KernelBuildListener.NONE,
                        Cancellation.create()))
        .isInstanceOf(KernelException.class)
        .hasMessageContaining("linux-image-banger-no-such-package");
    assertThat(kernelDir).doesNotExist();
  }

  private static DebianKernelBuilder builder() {
    return new DebianKernelBuilder(new DebianPackages(), DebianCloudKernel.packageCache());
  }

  private static List<String> siblings(Path kernelDir) throws Exception {
    if (!Files.isDirectory(kernelDir.getParent())) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(kernelDir.getParent())) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static final class Recorder implements KernelBuildListener {
    final List<KernelBuildStage> stages = new ArrayList<>();
    long lastDone;
    long lastTotal;

    @Override
    public void stage(KernelBuildStage stage) {
      stages.add(stage);
    }

    @Override
    public void downloadProgress(long bytesDone, long bytesTotal) {
      assertThat(bytesDone).isGreaterThanOrEqualTo(lastDone);
      lastDone = bytesDone;
      lastTotal = bytesTotal;
    }
  }
}
