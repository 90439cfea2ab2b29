package dev.banger.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.archive.ExtractionLimits;
import dev.banger.download.Cancellation;
import dev.banger.download.ProgressListener;
import dev.banger.kernel.DebianCloudKernel;
import dev.banger.kernel.KernelFacts;
import dev.banger.kernel.KernelLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real prepared Debian kernel directory travels as a kernel bundle. */
class KernelBundleTest {

  @TempDir Path temp;

  @Test
  void preparedDebianKernelRoundTripsAsAKernelBundle() throws Exception {
    KernelLayout kernel = DebianCloudKernel.layout();
    KernelFacts facts = KernelFacts.read(kernel.facts());
    Path bundle = temp.resolve("kernel.bundle");

    BundleManifest written =
        new BundleWriter()
            .write(
                kernel.directory(),
                new BundleMetadata(
                    "debian-cloud",
                    BundleKind.KERNEL,
                    facts.packageVersion(),
                    "x86_64",
                    Optional.empty()),
                bundle,
                ProgressListener.NONE,
                Cancellation.create());
    Path staging = temp.resolve("staging");
    BundleManifest read =
        new BundleReader(ExtractionLimits.DEFAULT)
            .read(bundle, staging, ProgressListener.NONE, Cancellation.create());

    KernelLayout copy = new KernelLayout(staging);
    assertThat(read).isEqualTo(written);
    assertThat(written.files().size()).isGreaterThan(1000);
    assertThat(Files.size(bundle)).isLessThan(written.totalSize());
    assertThat(Files.mismatch(copy.vmlinux(), kernel.vmlinux())).isEqualTo(-1);
    assertThat(Files.mismatch(copy.initrd(), kernel.initrd())).isEqualTo(-1);
    assertThat(KernelFacts.read(copy.facts())).isEqualTo(facts);
    assertThat(copy.modules().resolve("modules.dep")).isRegularFile();
  }
}
