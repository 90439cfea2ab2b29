package dev.banger.vmm.qemu;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.vmm.AgentTransport;
import dev.banger.vmm.ExitInfo;
import dev.banger.vmm.MacAddress;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.TestGuest;
import dev.banger.vmm.VmmException;
import dev.banger.vmm.VmmGoneException;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.VmmSpec;
import dev.banger.vmm.VmmState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots real QEMU microvm guests under software emulation (TCG): Debian's cloud kernel with a
 * busybox initramfs that reports what it sees on the serial console.
 */
class QemuDriverTest {
  private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
  private static final Duration BOOT = Duration.ofSeconds(90);

  @TempDir Path tmp;
  private final List<VmmProcess> started = new ArrayList<>();
  private final QemuDriver driver = new QemuDriver();

  @BeforeAll
  static void requireQemu() {
    assumeTrue(Files.isExecutable(QEMU), "qemu-system-x86_64 is not installed at " + QEMU);
  }

  @AfterEach
  void killLeftovers() throws Exception {
    for (VmmProcess process : started) {
      process.kill();
      process.exited().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void startBootsKernelWhoseBannerReachesTheSerialLog() throws Exception {
    Path runtime = tmp.resolve("run");
    VmmSpec spec = baseSpec("banner", runtime).build();

    VmmProcess vm = track(driver.start(spec));

    // No root disk and no initramfs: the kernel panics, reboots after panic=1, and -no-reboot
    // turns that into QEMU exiting by itself.
    ExitInfo exit = vm.exited().get(BOOT.toSeconds(), TimeUnit.SECONDS);
    assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.EXITED);
    assertThat(exit.exitCode()).hasValue(0);
    assertThat(Files.readString(spec.serialLog(), UTF_8)).contains("Linux version");
    assertThat(listing(runtime)).containsExactlyInAnyOrder("console.log", "qemu.out");
    assertThat(ProcessHandle.of(exit.pid())).isEmpty();
  }

  @Test
  void startBootsTheUncompressedElfKernelThatFirecrackerNeeds() throws Exception {
    Path runtime = tmp.resolve("run");
    VmmSpec spec = baseSpec("elf", runtime).kernel(TestGuest.vmlinux()).build();

    VmmProcess vm = track(driver.start(spec));

    assertThat(vm.exited().get(BOOT.toSeconds(), TimeUnit.SECONDS).cause())
        .isEqualTo(ExitInfo.Cause.EXITED);
    assertThat(Files.readString(spec.serialLog(), UTF_8)).contains("Linux version");
  }

  @Test
  void guestSeesDisksNetworkAndAgentPortAndHostForwardListens() throws Exception {
    Path runtime = tmp.resolve("run");
    Path root = sparseDisk("root.img");
    Path work = sparseDisk("work.img");
    int sshPort = freePort();
    VmmSpec spec =
        guestSpec("devices", runtime)
            .rootDisk(root)
            .extraDisk(new VmmSpec.Disk("work", work, false))
            .network(
                new VmmSpec.UserMode(
                    new MacAddress("02:fc:00:00:00:2a"),
                    List.of(new VmmSpec.PortForward("127.0.0.1", sshPort, 22))))
            .build();

    VmmProcess vm = track(driver.start(spec));
    String console = awaitConsole(spec.serialLog(), "banger-test: ready");

    assertThat(console).contains("banger-test: disks: vda vdb");
    assertThat(console).contains("banger-test: net: eth0 lo");
    assertThat(console).contains("banger-test: mac eth0 02:fc:00:00:00:2a");
    assertThat(console).containsPattern("ready port=/dev/vport\\d+p1 button=/dev/input/event\\d");
    assertThat(vm.state().agentTransport()).isEqualTo(AgentTransport.VIRTIO_SERIAL);
    assertThat(echoThroughAgentPort(vm.agentSocket(), "ping from host"))
        .isEqualTo("ping from host");
    try (Socket forwarded = new Socket("127.0.0.1", sshPort)) {
      assertThat(forwarded.isConnected()).isTrue();
    }
    try (QmpClient qmp = QmpClient.connect(vm.state().controlSocket(), Duration.ofSeconds(10))) {
      assertThat(qmp.queryStatus(Duration.ofSeconds(10))).isEqualTo("running");
    }
  }

  @Test
  void stopGracefullyPressesThePowerButtonAndTheGuestPowersOff() throws Exception {
    Path runtime = tmp.resolve("run");
    VmmSpec spec = guestSpec("graceful", runtime).build();
    VmmProcess vm = track(driver.start(spec));
    awaitConsole(spec.serialLog(), "banger-test: ready");

    ExitInfo exit = vm.stopGracefully(BOOT);

    assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.STOPPED);
    assertThat(exit.exitCode()).hasValue(0);
    assertThat(Files.readString(spec.serialLog(), UTF_8))
        .contains("banger-test: power button pressed");
    assertThat(listing(runtime)).containsExactlyInAnyOrder("console.log", "qemu.out");
  }

  @Test
  void stopGracefullyKillsAGuestThatIgnoresThePowerButton() throws Exception {
    Path runtime = tmp.resolve("run");
    VmmSpec spec =
        guestSpec("stubborn", runtime).kernelArgs(List.of("banger.test=ignore-powerdown")).build();
    VmmProcess vm = track(driver.start(spec));
    awaitConsole(spec.serialLog(), "banger-test: ready");

    ExitInfo exit = vm.stopGracefully(Duration.ofSeconds(2));

    assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.KILLED);
    assertThat(vm.isAlive()).isFalse();
    assertThat(Files.readString(spec.serialLog(), UTF_8)).doesNotContain("power button pressed");
    assertThat(listing(runtime)).containsExactlyInAnyOrder("console.log", "qemu.out");
  }

  @Test
  void exitIsDetectedWhenQemuIsKilledFromOutside() throws Exception {
    Path runtime = tmp.resolve("run");
    VmmProcess vm = track(driver.start(guestSpec("outside-kill", runtime).build()));

    // It runs in a session of its own with no pipe to us, so it would outlive this JVM.
    String stat = Files.readString(Path.of("/proc", vm.pid() + "/stat"), UTF_8);
    assertThat(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3])
        .isEqualTo(Long.toString(vm.pid()));
    assertThat(Files.readSymbolicLink(Path.of("/proc", vm.pid() + "/fd/1")))
        .isEqualTo(runtime.resolve("qemu.out"));

    ProcessHandle.of(vm.pid()).orElseThrow().destroyForcibly();

    ExitInfo exit = vm.exited().get(10, TimeUnit.SECONDS);
    assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.EXITED);
    assertThat(exit.exitCode()).hasValue(137);
    assertThat(listing(runtime)).containsExactlyInAnyOrder("console.log", "qemu.out");
  }

  @Test
  void freshDriverAdoptsRunningQemuAndSeesItsExit() throws Exception {
    Path runtime = tmp.resolve("run");
    VmmSpec spec = guestSpec("adopted", runtime).build();
    VmmProcess original = track(driver.start(spec));
    awaitConsole(spec.serialLog(), "banger-test: ready");

    VmmProcess adopted = track(new QemuDriver().adopt(original.state()));

    assertThat(adopted.pid()).isEqualTo(original.pid());
    assertThat(adopted.isAlive()).isTrue();
    ExitInfo exit = adopted.stopGracefully(BOOT);
    assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.STOPPED);
    assertThat(exit.exitCode()).isEmpty();
    assertThat(listing(runtime)).containsExactlyInAnyOrder("console.log", "qemu.out");
  }

  @Test
  void adoptedQemuKilledFromOutsideIsNoticedPromptly() throws Exception {
    VmmProcess original = track(driver.start(guestSpec("adopt-kill", tmp.resolve("run")).build()));
    VmmProcess adopted = track(new QemuDriver().adopt(original.state()));

    ProcessHandle.of(adopted.pid()).orElseThrow().destroyForcibly();

    assertThat(adopted.exited().get(5, TimeUnit.SECONDS).cause()).isEqualTo(ExitInfo.Cause.EXITED);
  }

  @Test
  void adoptReportsGoneWhenTheProcessHasExited() throws Exception {
    VmmProcess vm = track(driver.start(guestSpec("gone", tmp.resolve("run")).build()));
    VmmState state = vm.state();
    vm.kill();
    vm.exited().get(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> driver.adopt(state))
        .isInstanceOfSatisfying(
            VmmGoneException.class,
            e -> assertThat(e.reason()).isEqualTo(VmmGoneException.Reason.NOT_RUNNING))
        .hasMessageContaining("has exited")
        .hasMessageContaining(Long.toString(state.pid()));
  }

  @Test
  void adoptReportsGoneWhenThePidBelongsToAnotherProcess() throws Exception {
    Process other = new ProcessBuilder("sleep", "60").start();
    try {
      ProcessIdentity identity = ProcessIdentity.of(other.pid()).orElseThrow();
      VmmState impostor =
          new VmmState(
              QemuDriver.NAME,
              "reused",
              other.pid(),
              identity.startTimeTicks(),
              List.of(QEMU.toString(), "-M", "microvm"),
              tmp,
              tmp.resolve("qmp.sock"),
              tmp.resolve("console.log"),
              tmp.resolve("agent.sock"),
              AgentTransport.VIRTIO_SERIAL,
              0,
              java.util.Optional.empty());

      assertThatThrownBy(() -> driver.adopt(impostor))
          .isInstanceOfSatisfying(
              VmmGoneException.class,
              e -> assertThat(e.reason()).isEqualTo(VmmGoneException.Reason.DIFFERENT_PROCESS))
          .hasMessageContaining("sleep 60");
      assertThat(other.isAlive()).isTrue();
    } finally {
      other.destroyForcibly();
      other.waitFor();
    }
  }

  @Test
  void startReplacesStaleSocketsLeftByADeadQemu() throws Exception {
    Path runtime = tmp.resolve("run");
    Files.createDirectories(runtime);
    leaveStaleSocket(runtime.resolve("qmp.sock"));
    leaveStaleSocket(runtime.resolve("agent.sock"));

    VmmProcess vm = track(driver.start(guestSpec("stale", runtime).build()));

    try (QmpClient qmp = QmpClient.connect(vm.state().controlSocket(), Duration.ofSeconds(10))) {
      assertThat(qmp.queryStatus(Duration.ofSeconds(10))).isEqualTo("running");
    }
  }

  @Test
  void startRefusesToDeleteARegularFileWhereASocketBelongs() throws Exception {
    Path runtime = tmp.resolve("run");
    Files.createDirectories(runtime);
    Files.writeString(runtime.resolve("qmp.sock"), "not a socket");

    assertThatThrownBy(() -> driver.start(guestSpec("clash", runtime).build()))
        .isInstanceOf(VmmException.class)
        .hasMessageContaining("Refusing to remove")
        .hasMessageContaining(runtime.resolve("qmp.sock").toString());
    assertThat(Files.readString(runtime.resolve("qmp.sock"), UTF_8)).isEqualTo("not a socket");
  }

  @Test
  void failedStartQuotesQemuAndLeavesNoProcessOrFileBehind() throws Exception {
    Path runtime = tmp.resolve("run");
    VmmSpec spec = guestSpec("broken", runtime).rootDisk(tmp.resolve("missing-root.img")).build();
    List<Long> qemuBefore = qemuPids();

    assertThatThrownBy(() -> driver.start(spec))
        .isInstanceOf(VmmException.class)
        .hasMessageContaining("Could not start QEMU for VM broken")
        .hasMessageContaining("missing-root.img");

    assertThat(runtime).doesNotExist();
    assertThat(qemuPids()).isEqualTo(qemuBefore);
  }

  @Test
  void guestAttachesToARealTapDevice() throws Exception {
    assumeTrue(Files.isWritable(Path.of("/dev/net/tun")), "no writable /dev/net/tun");
    String tap = "bgvmm" + (ProcessHandle.current().pid() % 100000);
    assumeTrue(ip("tuntap", "add", "dev", tap, "mode", "tap") == 0, "cannot create TAP " + tap);
    try {
      VmmSpec spec =
          guestSpec("tapped", tmp.resolve("run"))
              .network(new VmmSpec.Tap(tap, new MacAddress("02:fc:00:00:00:07")))
              .build();
      VmmProcess vm = track(driver.start(spec));

      String console = awaitConsole(spec.serialLog(), "banger-test: ready");

      assertThat(console).contains("banger-test: mac eth0 02:fc:00:00:00:07");
      vm.kill();
      vm.exited().get(10, TimeUnit.SECONDS);
    } finally {
      ip("link", "delete", tap);
    }
  }

  private VmmProcess track(VmmProcess process) {
    started.add(process);
    return process;
  }

  private static VmmSpec.Builder baseSpec(String id, Path runtime) throws Exception {
    return VmmSpec.builder(id)
        .vcpus(1)
        .memoryMib(256)
        .kernel(TestGuest.kernel())
        .runtimeDir(runtime)
        .accel(VmmSpec.Accel.TCG)
        .vmmBinary(QEMU);
  }

  private static VmmSpec.Builder guestSpec(String id, Path runtime) throws Exception {
    return baseSpec(id, runtime).initrd(TestGuest.initramfs());
  }

  private Path sparseDisk(String name) throws IOException {
    Path disk = tmp.resolve(name);
    try (var file = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
      file.setLength(16L << 20);
    }
    return disk;
  }

  private static String awaitConsole(Path log, String marker) throws Exception {
    long deadline = System.nanoTime() + BOOT.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.exists(log) ? Files.readString(log, UTF_8) : "";
      if (text.contains(marker)) {
        return text;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no \"" + marker + "\" in " + log + " within " + BOOT);
  }

  private static String echoThroughAgentPort(Path socket, String line) throws Exception {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      StringBuilder received = new StringBuilder();
      ByteBuffer buffer = ByteBuffer.allocate(256);
      channel.configureBlocking(false);
      long nextSend = 0;
      while (System.nanoTime() < deadline && received.indexOf("\n") < 0) {
        // The guest reopens its port in a loop; resend until one copy comes back.
        if (System.nanoTime() > nextSend) {
          channel.write(ByteBuffer.wrap((line + "\n").getBytes(UTF_8)));
          nextSend = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        }
        int n = channel.read(buffer.clear());
        if (n > 0) {
          received.append(new String(buffer.array(), 0, n, UTF_8));
        } else {
          Thread.sleep(50);
        }
      }
      return received.toString().lines().findFirst().orElse("");
    }
  }

  private static void leaveStaleSocket(Path path) throws IOException {
    try (ServerSocketChannel server =
        ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
    }
    assertThat(path).exists();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static List<Long> qemuPids() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().orElse("").endsWith("qemu-system-x86_64"))
        .map(ProcessHandle::pid)
        .sorted()
        .toList();
  }

  private static int ip(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor();
  }
}
