package dev.banger.guest;

import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A QEMU microvm guest under TCG booted from Debian's cloud kernel and the test initramfs of {@code
 * agent/tests/qemu/make-initramfs.sh}: the agent runs as PID 1 and listens on the virtio serial
 * port {@code banger.agent}, whose host side is a Unix socket chardev.
 */
final class QemuGuest implements AutoCloseable {
  private final Process qemu;
  private final Path agentSocket;
  private final Path console;

  private QemuGuest(Process qemu, Path agentSocket, Path console) {
    this.qemu = qemu;
    this.agentSocket = agentSocket;
    this.console = console;
  }

  static Path cacheDir() {
    String base = System.getenv().getOrDefault("BANGER_TEST_CACHE", "/var/cache/banger-test");
    return Path.of(base, "guest");
  }

  /** Builds the boot set (downloading the kernel once) and starts the guest. */
  static QemuGuest boot(Path work, String kernelParams) throws IOException, InterruptedException {
    assumeTrue(onPath("qemu-system-x86_64"), "qemu-system-x86_64 is not installed on this host");
    assumeTrue(onPath("busybox"), "busybox (Debian package busybox-static) is not installed");
    Map<String, String> boot = buildBootSet(work);
    Path socket = work.resolve("agent.sock");
    Path console = work.resolve("console.log");
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            "qemu-system-x86_64",
            // TCG: nested KVM does not work on the machines these tests run on. Without kvm-clock
            // the kernel calibrates its TSC against the PIT, so the PIT stays on.
            "-M",
            "microvm,x-option-roms=off,pit=on,pic=off,rtc=on,acpi=on",
            "-accel",
            "tcg",
            "-cpu",
            "max",
            "-smp",
            "1",
            "-m",
            "256M",
            "-nodefaults",
            "-no-user-config",
            "-nographic",
            "-no-reboot",
            "-kernel",
            boot.get("KERNEL"),
            "-initrd",
            boot.get("INITRD"),
            "-append",
            "console=ttyS0 panic=-1 " + tscParam() + kernelParams,
            "-chardev",
            "file,id=console,path=" + console,
            "-serial",
            "chardev:console",
            "-device",
            "virtio-serial-device",
            "-chardev",
            "socket,id=agent,server=on,wait=off,path=" + socket,
            "-device",
            "virtserialport,chardev=agent,name=banger.agent",
            "-netdev",
            "user,id=n0",
            "-device",
            "virtio-net-device,netdev=n0"));
    Process qemu =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("qemu.log").toFile())
            .start();
    return new QemuGuest(qemu, socket, console);
  }

  private static Map<String, String> buildBootSet(Path work)
      throws IOException, InterruptedException {
    Path script = Path.of(System.getProperty("banger.root"), "agent/tests/qemu/make-initramfs.sh");
    Path log = work.resolve("make-initramfs.log");
    Process p =
        new ProcessBuilder(
                "sh",
                script.toString(),
                cacheDir().toString(),
                AgentProcess.binary().toString(),
                work.toString())
            .redirectError(log.toFile())
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int status = p.waitFor();
    if (status == 3) {
      abort(
          "Debian's cloud kernel could not be downloaded (no package mirror reachable): "
              + Files.readString(log));
    }
    if (status != 0) {
      throw new IOException(
          script + " failed with status " + status + ":\n" + Files.readString(log));
    }
    return out.lines()
        .filter(l -> l.contains("="))
        .collect(
            Collectors.toMap(
                l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
  }

  /**
   * The host's TSC rate for {@code tsc_early_khz}: a TCG guest that calibrates it against the
   * emulated PIT on a busy host can hang before init.
   */
  private static String tscParam() throws IOException {
    return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
        .filter(l -> l.startsWith("cpu MHz"))
        .findFirst()
        .map(l -> Math.round(Double.parseDouble(l.substring(l.indexOf(':') + 1).strip()) * 1000))
        .map(khz -> "tsc_early_khz=" + khz + " ")
        .orElse("");
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  AgentTransport transport() {
    return AgentTransport.serialSocket(agentSocket);
  }

  String console() throws IOException {
    return Files.exists(console) ? Files.readString(console, StandardCharsets.UTF_8) : "";
  }

  boolean awaitExit(Duration timeout) throws InterruptedException {
    return qemu.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (!qemu.isAlive()) {
      return;
    }
    qemu.destroy();
    try {
      if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
        qemu.destroyForcibly();
        qemu.waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      qemu.destroyForcibly();
    }
  }
}
