package dev.banger.kernel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.download.Cancellation;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real Debian cloud kernel, prepared once by {@link DebianKernelBuilder} into the test cache
 * ({@code ${BANGER_TEST_CACHE:-/var/cache/banger-test}/artifacts/}) and rebuilt from nothing when
 * missing. Needs apt-get and dpkg-deb and a reachable Debian mirror.
 */
public final class DebianCloudKernel {

  public static final String PACKAGE = "linux-image-cloud-amd64";

  private DebianCloudKernel() {}

  public static Path cacheRoot() {
    String base = System.getenv("BANGER_TEST_CACHE");
    return Path.of(base == null || base.isBlank() ? "/var/cache/banger-test" : base)
        .resolve("artifacts");
  }

  public static Path packageCache() {
    return cacheRoot().resolve("debs");
  }

  public static void assumeAptTools() {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/apt-get"))
            && Files.isExecutable(Path.of("/usr/bin/dpkg-deb")),
        "needs apt-get and dpkg-deb (a Debian host) to fetch Debian's kernel package");
  }

  /** Returns the prepared kernel, building it on first use. */
  public static synchronized KernelLayout layout() throws Exception {
    assumeAptTools();
    Path directory = cacheRoot().resolve("kernels/debian-cloud");
    KernelLayout layout = new KernelLayout(directory);
    if (!Files.isRegularFile(layout.facts())) {
      Files.createDirectories(directory.getParent());
      new DebianKernelBuilder(new DebianPackages(), packageCache())
          .build(PACKAGE, directory, KernelBuildListener.NONE, Cancellation.create());
    }
    return layout;
  }
}
