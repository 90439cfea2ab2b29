package dev.banger.vmm.firecracker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.vmm.ExitInfo;
import dev.banger.vmm.TestGuest;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.VmmSpec;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots Debian's cloud kernel under the real Firecracker binary. Runs only where {@code
 * firecracker} is on PATH (and so KVM is expected to work); elsewhere it is skipped and says so.
 */
class FirecrackerRealBinaryTest {
  private Path firecracker;

  @TempDir Path tmp;

  /** Per test rather than per class, so that each skip is reported with its reason. */
  @BeforeEach
  void findFirecracker() {
    Optional<Path> found =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .map(dir -> Path.of(dir, "firecracker"))
            .filter(Files::isExecutable)
            .findFirst();
    assumeTrue(found.isPresent(), "firecracker is not on PATH; the real-binary test needs it");
    firecracker = found.get();
  }

  @Test
  void realFirecrackerBootsTheKernelWhoseBannerReachesTheSerialLog() throws Exception {
    Path runtime = tmp.resolve("run");
    VmmSpec spec =
        VmmSpec.builder("real-fc")
            .vcpus(1)
            .memoryMib(256)
            .kernel(TestGuest.vmlinux())
            .runtimeDir(runtime)
            .vmmBinary(firecracker)
            .vsock(new VmmSpec.Vsock(3, 10789))
            .build();

    try (FirecrackerDriver driver = new FirecrackerDriver(FirecrackerDriver.Timeouts.defaults())) {
      VmmProcess vm = driver.start(spec);
      try {
        // No root disk: the kernel panics, reboots after panic=1, and Firecracker exits.
        ExitInfo exit = vm.exited().get(60, TimeUnit.SECONDS);
        assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.EXITED);
        assertThat(Files.readString(vm.state().serialLog(), UTF_8)).contains("Linux version");
        assertThat(runtime.resolve("firecracker.sock")).doesNotExist();
        assertThat(runtime.resolve("vsock.sock")).doesNotExist();
      } finally {
        vm.kill();
      }
    }
  }

  @Test
  void realFirecrackerIsKilledWhenTheGuestIgnoresCtrlAltDel() throws Exception {
    VmmSpec spec =
        VmmSpec.builder("real-fc-stop")
            .kernel(TestGuest.vmlinux())
            .initrd(TestGuest.initramfs())
            .kernelArgs(List.of("banger.test=ignore-powerdown"))
            .runtimeDir(tmp.resolve("run"))
            .vmmBinary(firecracker)
            .build();

    try (FirecrackerDriver driver = new FirecrackerDriver(FirecrackerDriver.Timeouts.defaults())) {
      VmmProcess vm = driver.start(spec);
      ExitInfo exit = vm.stopGracefully(Duration.ofSeconds(5));
      assertThat(exit.cause()).isIn(ExitInfo.Cause.STOPPED, ExitInfo.Cause.KILLED);
      assertThat(vm.isAlive()).isFalse();
    }
  }
}
