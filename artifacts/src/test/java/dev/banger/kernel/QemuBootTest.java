package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.download.Cancellation;
import dev.banger.download.ProgressListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the prepared Debian cloud kernel, as ELF vmlinux and as bzImage, with banger's initramfs
 * under QEMU microvm with software emulation, on a small ext4 root whose init prints a marker and
 * powers off.
 */
class QemuBootTest {

  private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
  private static final String MARKER = "BANGER-ARTIFACTS-BOOT-MARKER";
  private static final long BOOT_TIMEOUT_MILLIS = 90_000;
  private static final Pattern LOADING = Pattern.compile("banger-init: loading module (\\S+)");

  @TempDir Path temp;

  @BeforeEach
  void requireQemu() {
    assumeTrue(Files.isExecutable(QEMU), "needs qemu-system-x86_64 (Debian qemu-system-x86)");
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")), "needs mkfs.ext4 (e2fsprogs)");
  }

  @Test
  void elfVmlinuxBootsThroughTheInitramfsIntoTheRootfs() throws Exception {
    KernelLayout kernel = DebianCloudKernel.layout();

    String console = boot(kernel.vmlinux(), kernel, "root=/dev/vda rw rootfstype=ext4", MARKER);

    assertThat(console).contains(MARKER);
    assertModulesLoadedInDependencyOrder(console, kernel);
  }

  @Test
  void bzImageBootsThroughTheInitramfsIntoTheRootfs() throws Exception {
    KernelLayout kernel = DebianCloudKernel.layout();

    String console = boot(kernel.bzImage(), kernel, "root=/dev/vda rw rootfstype=ext4", MARKER);

    assertThat(console).contains(MARKER);
    assertModulesLoadedInDependencyOrder(console, kernel);
  }

  @Test
  void missingRootDeviceIsExplainedOnTheConsoleBeforeAShell() throws Exception {
    KernelLayout kernel = DebianCloudKernel.layout();
    String shell = "banger-init: dropping to a shell";

    String console = boot(kernel.bzImage(), kernel, "root=/dev/vdz rw banger.rootwait=3", shell);

    assertThat(console)
        .contains("banger-init: ERROR: root device /dev/vdz did not appear within 3s")
        .contains("banger-init: kernel command line: ")
        .doesNotContain(MARKER);
  }

  private static void assertModulesLoadedInDependencyOrder(String console, KernelLayout kernel)
      throws Exception {
    List<String> loaded = new ArrayList<>();
    Matcher matcher = LOADING.matcher(console);
    while (matcher.find()) {
      loaded.add(matcher.group(1));
    }
    assertThat(loaded).containsExactlyInAnyOrderElementsOf(InitramfsBuilder.DEFAULT_MODULES);
    ModuleTree modules = ModuleTree.open(kernel.modules());
    for (String module : loaded) {
      for (String dependency : modules.dependencies(module)) {
        assertThat(loaded.indexOf(dependency))
            .as("%s, needed by %s, loads before it", dependency, module)
            .isBetween(0, loaded.indexOf(module) - 1);
      }
    }
  }

  private String boot(Path kernelImage, KernelLayout kernel, String rootArgs, String awaited)
      throws Exception {
    Path rootfs = rootfs();
    Path initrd = freshInitramfs(kernel);
    Path console = temp.resolve("console.log");
    List<String> command =
        List.of(
            QEMU.toString(),
            "-M",
            "microvm",
            "-accel",
            "tcg",
            "-m",
            "512",
            "-nodefaults",
            "-no-user-config",
            "-nographic",
            "-no-reboot",
            "-serial",
            "file:" + console,
            "-kernel",
            kernelImage.toString(),
            "-initrd",
            initrd.toString(),
            "-append",
            "console=ttyS0 " + rootArgs + " tsc_early_khz=" + hostTscKhz(),
            "-drive",
            "id=root,file=" + rootfs + ",format=raw,if=none",
            "-device",
            "virtio-blk-device,drive=root");
    Process qemu =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("qemu.log").toFile())
            .start();
    try {
      return awaitConsole(qemu, console, awaited);
    } finally {
      qemu.destroyForcibly();
      qemu.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Under TCG on a busy host the kernel's PIT calibration of the TSC fails and the boot hangs
   * before the timer ticks ("tsc: Unable to calibrate against PIT"). Telling the kernel the TSC
   * rate skips that calibration; TCG's TSC runs at the host's rate.
   */
  private static long hostTscKhz() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
      if (line.startsWith("cpu MHz")) {
        double mhz = Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
        return Math.round(mhz * 1000);
      }
    }
    return 2_000_000;
  }

  private String awaitConsole(Process qemu, Path console, String awaited) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOOT_TIMEOUT_MILLIS);
    while (System.nanoTime() < deadline) {
      String text =
          Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
      if (text.contains(awaited)) {
        qemu.waitFor(awaited.equals(MARKER) ? 10 : 1, TimeUnit.SECONDS);
        return Files.readString(console, StandardCharsets.ISO_8859_1);
      }
      if (!qemu.isAlive()) {
        fail(
            "QEMU exited with %d before the marker; console:%n%s%nqemu:%n%s",
            qemu.exitValue(), awaited, text, Files.readString(temp.resolve("qemu.log")));
      }
      Thread.sleep(200);
    }
    return fail(
        "no '%s' within %d ms; console:%n%s",
        awaited, BOOT_TIMEOUT_MILLIS, Files.readString(console, StandardCharsets.ISO_8859_1));
  }

  /**
   * Builds the initramfs from the current code rather than taking the cached one, so a change to
   * /init is what boots.
   */
  private Path freshInitramfs(KernelLayout kernel) throws Exception {
    Path initrd = temp.resolve("initrd.img");
    new InitramfsBuilder()
        .build(
            temp.resolve("tree/bin/busybox"),
            ModuleTree.open(kernel.modules()),
            KernelFacts.read(kernel.facts()).release(),
            InitramfsBuilder.DEFAULT_MODULES,
            initrd);
    return initrd;
  }

  /** An ext4 image holding busybox (from Debian's busybox-static) and an init script. */
  private Path rootfs() throws Exception {
    Path tree = temp.resolve("tree");
    DebianPackages apt = new DebianPackages();
    AptPackage busybox = apt.show(DebianKernelBuilder.BUSYBOX_PACKAGE, Cancellation.create());
    Path deb =
        apt.download(
            busybox,
            DebianCloudKernel.packageCache(),
            ProgressListener.NONE,
            Cancellation.create());
    apt.unpack(deb, tree, Cancellation.create());
    for (String directory : List.of("sbin", "proc", "sys", "dev", "tmp")) {
      Files.createDirectories(tree.resolve(directory));
    }
    Path init = tree.resolve("sbin/init");
    Files.writeString(
        init,
        String.format(
            Locale.ROOT,
            "#!/bin/busybox sh%n/bin/busybox echo %s%n/bin/busybox poweroff -f%n",
            MARKER));
    Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path image = temp.resolve("rootfs.ext4");
    Process mkfs =
        new ProcessBuilder("mkfs.ext4", "-q", "-d", tree.toString(), image.toString(), "32M")
            .redirectErrorStream(true)
            .start();
    String output = new String(mkfs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(mkfs.waitFor()).as("mkfs.ext4 output: %s", output).isZero();
    return image;
  }
}
