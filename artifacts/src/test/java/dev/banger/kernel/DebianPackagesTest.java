package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.download.Cancellation;
import dev.banger.download.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uses the host's apt against its configured Debian mirror. */
class DebianPackagesTest {

  @TempDir Path temp;
  private final DebianPackages apt = new DebianPackages();

  @BeforeEach
  void requireApt() {
    DebianCloudKernel.assumeAptTools();
  }

  @Test
  void metapackageResolvesToTheVersionedCloudKernel() throws Exception {
    AptPackage kernel = apt.resolveKernel("linux-image-cloud-amd64", Cancellation.create());

    assertThat(kernel.name()).matches("linux-image-6\\.1\\.0-\\d+-cloud-amd64");
    assertThat(kernel.architecture()).isEqualTo("amd64");
    assertThat(kernel.sha256()).matches("[0-9a-f]{64}");
    assertThat(kernel.size()).isGreaterThan(10L << 20);
    assertThat(apt.resolveKernel(kernel.name(), Cancellation.create())).isEqualTo(kernel);
  }

  @Test
  void downloadsWithProgressThenReusesAVerifiedFile() throws Exception {
    AptPackage busybox = apt.show("busybox-static", Cancellation.create());
    List<Long> progress = new ArrayList<>();
    ProgressListener record = (done, total) -> progress.add(done);

    Path deb = apt.download(busybox, temp, record, Cancellation.create());
    FileTime first = Files.getLastModifiedTime(deb);
    Path again = apt.download(busybox, temp, ProgressListener.NONE, Cancellation.create());

    assertThat(deb.getFileName().toString()).isEqualTo(busybox.debFileName());
    assertThat(DebianPackages.sha256(deb)).isEqualTo(busybox.sha256());
    assertThat(progress).last().isEqualTo(busybox.size());
    assertThat(again).isEqualTo(deb);
    assertThat(Files.getLastModifiedTime(again)).isEqualTo(first);
  }

  @Test
  void corruptCachedFileIsFetchedAgain() throws Exception {
    AptPackage busybox = apt.show("busybox-static", Cancellation.create());
    Files.writeString(temp.resolve(busybox.debFileName()), "corrupt");

    Path deb = apt.download(busybox, temp, ProgressListener.NONE, Cancellation.create());

    assertThat(DebianPackages.sha256(deb)).isEqualTo(busybox.sha256());
  }

  @Test
  void unpacksWithDpkgDeb() throws Exception {
    AptPackage busybox = apt.show("busybox-static", Cancellation.create());
    Path deb =
        apt.download(
            busybox,
            DebianCloudKernel.packageCache(),
            ProgressListener.NONE,
            Cancellation.create());

    apt.unpack(deb, temp.resolve("unpacked"), Cancellation.create());

    assertThat(temp.resolve("unpacked/bin/busybox")).isExecutable();
  }

  @Test
  void unknownPackageNamesTheToolAndThePackage() {
    assertThatThrownBy(() -> apt.show("banger-no-such-package", Cancellation.create()))
        .isInstanceOf(KernelException.class)
        .hasMessageContaining("apt-cache show --no-all-versions banger-no-such-package")
        .hasMessageContaining("exited with status");
  }

  @Test
  void cancellingARunningUnpackKillsDpkgDeb() throws Exception {
    AptPackage kernel = apt.resolveKernel("linux-image-cloud-amd64", Cancellation.create());
    Path deb =
        apt.download(
            kernel, DebianCloudKernel.packageCache(), ProgressListener.NONE, Cancellation.create());
    Path target = temp.resolve("unpacked");
    Cancellation cancellation = Cancellation.create();
    List<ProcessHandle> running = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread canceller =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (!Files.isDirectory(target.resolve("lib"))) {
                    Thread.onSpinWait();
                  }
                  ProcessHandle.current()
                      .descendants()
                      .forEach(
                          process -> {
                            running.add(process);
                            commands.add(process.info().command().orElse(""));
                          });
                  cancellation.cancel();
                });

    assertThatThrownBy(() -> apt.unpack(deb, target, cancellation))
        .isInstanceOf(java.util.concurrent.CancellationException.class)
        .hasMessageContaining("dpkg-deb");
    canceller.join();
    assertThat(commands).anyMatch(command -> command.endsWith("dpkg-deb"));
    for (ProcessHandle process : running) {
      process.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(running).noneMatch(ProcessHandle::isAlive);
  }

  @Test
  void cancelledQueryStopsTheTool() {
    Cancellation cancellation = Cancellation.create();
    cancellation.cancel();

    assertThatThrownBy(() -> apt.show("busybox-static", cancellation))
        .isInstanceOf(java.util.concurrent.CancellationException.class);
  }
}
