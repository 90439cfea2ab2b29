package dev.banger.vmm.firecracker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.vmm.AgentTransport;
import dev.banger.vmm.ExitInfo;
import dev.banger.vmm.MacAddress;
import dev.banger.vmm.VmmException;
import dev.banger.vmm.VmmGoneException;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.VmmSpec;
import dev.banger.vmm.VmmState;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Drives a real child process standing in for Firecracker (see {@link FakeFirecracker}): the driver
 * spawns it, configures it over its API socket, and watches, stops and kills it.
 */
class FirecrackerDriverTest {
  /** The stand-in is a JVM: give it time to come up on a loaded host. */
  private static final FirecrackerDriver.Timeouts TIMEOUTS =
      new FirecrackerDriver.Timeouts(Duration.ofSeconds(60), Duration.ofSeconds(10));

  @TempDir Path tmp;
  private FirecrackerDriver driver;
  private final List<VmmProcess> started = new ArrayList<>();

  @BeforeEach
  void createDriver() throws Exception {
    driver = new FirecrackerDriver(TIMEOUTS);
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (VmmProcess process : started) {
      process.kill();
      process.exited().get(30, TimeUnit.SECONDS);
    }
    driver.close();
  }

  @Test
  void startConfiguresEveryResourceInOrderAndStartsTheInstanceLast() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path runtime = tmp.resolve("run");
    VmmSpec spec =
        spec("full", runtime, fc.binary())
            .rootDisk(file("root.img"))
            .extraDisk(new VmmSpec.Disk("work", file("work.img"), false))
            .vsock(new VmmSpec.Vsock(42, 10789))
            .kernelArgs(List.of("root=/dev/vda", "rw", "banger.vm=full", "panic=5"))
            .build();

    VmmProcess vm = track(driver.start(spec));

    assertThat(fc.acceptedRequestLines())
        .containsExactly(
            "PUT /logger",
            "PUT /metrics",
            "PUT /machine-config",
            "PUT /boot-source",
            "PUT /drives/rootfs",
            "PUT /drives/work",
            "PUT /vsock",
            "PUT /serial",
            "PUT /actions");
    assertThat(fc.requests()).allMatch(r -> r.path("status").asInt() == 204);
    assertThat(body(fc, "/actions").path("action_type").asString()).isEqualTo("InstanceStart");
    assertThat(body(fc, "/machine-config").path("vcpu_count").asInt()).isEqualTo(2);
    assertThat(body(fc, "/drives/rootfs").path("is_root_device").asBoolean()).isTrue();
    assertThat(body(fc, "/serial").path("serial_out_path").asString())
        .isEqualTo(runtime.resolve("console.log").toString());
    VmmState state = vm.state();
    assertThat(state.agentTransport()).isEqualTo(AgentTransport.FIRECRACKER_VSOCK);
    assertThat(state.agentPort()).isEqualTo(10789);
    assertThat(vm.agentSocket()).isEqualTo(runtime.resolve("vsock.sock")).exists();
    assertThat(state.controlSocket()).isEqualTo(runtime.resolve("firecracker.sock"));
    assertThat(state.commandLine())
        .contains("--api-sock", runtime.resolve("firecracker.sock").toString());
  }

  @Test
  void firecrackerRunsInItsOwnSessionWithOutputInFilesSoItOutlivesTheDaemon() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path runtime = tmp.resolve("run");
    VmmProcess vm = track(driver.start(spec("detached", runtime, fc.binary()).build()));

    assertThat(sessionId(vm.pid())).isEqualTo(vm.pid()).isNotEqualTo(sessionId(ownPid()));
    assertThat(Files.readSymbolicLink(Path.of("/proc", vm.pid() + "/fd/0")))
        .isEqualTo(Path.of("/dev/null"));
    assertThat(Files.readSymbolicLink(Path.of("/proc", vm.pid() + "/fd/1")))
        .isEqualTo(runtime.resolve("firecracker.out"));
  }

  @Test
  void bootArgsKeepFirecrackerDefaultsExceptWhatBangerNeedsChanged() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    VmmSpec spec =
        spec("args", tmp.resolve("run"), fc.binary())
            .kernelArgs(List.of("banger.vm=args", "panic=5"))
            .build();

    track(driver.start(spec));

    List<String> args = List.of(body(fc, "/boot-source").path("boot_args").asString().split(" "));
    assertThat(args)
        .contains("reboot=k", "pci=off", "i8042.noaux", "i8042.nomux", "i8042.nopnp")
        .contains("i8042.dumbkbd", "console=ttyS0", "banger.vm=args", "panic=5")
        .doesNotContain("nomodule", "8250.nr_uarts=0", "panic=1");
  }

  @Test
  void olderFirecrackerWithoutSerialApiLeavesTheConsoleInItsOutputFile() throws Exception {
    FakeFirecracker fc =
        FakeFirecracker.create(
            tmp.resolve("bin"),
            "old-firecracker",
            FakeFirecracker.OnCtrlAltDel.EXIT,
            List.of("/serial"));
    Path runtime = tmp.resolve("run");

    VmmProcess vm = track(driver.start(spec("old", runtime, fc.binary()).build()));

    assertThat(vm.state().serialLog()).isEqualTo(runtime.resolve("firecracker.out"));
    assertThat(fc.requests())
        .extracting(r -> r.path("path").asString() + " " + r.path("status").asInt())
        .endsWith("/serial 400", "/actions 204");
  }

  @Test
  void startAttachesARealTapDevice() throws Exception {
    assumeTrue(Files.isWritable(Path.of("/dev/net/tun")), "no writable /dev/net/tun");
    String tap = "bgfc" + (ProcessHandle.current().pid() % 100000);
    assumeTrue(ip("tuntap", "add", "dev", tap, "mode", "tap") == 0, "cannot create TAP " + tap);
    try {
      FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
      VmmSpec spec =
          spec("tapped", tmp.resolve("run"), fc.binary())
              .network(new VmmSpec.Tap(tap, new MacAddress("02:FC:00:00:00:09")))
              .build();

      VmmProcess vm = track(driver.start(spec));

      JsonNode net = body(fc, "/network-interfaces/eth0");
      assertThat(net.path("host_dev_name").asString()).isEqualTo(tap);
      assertThat(net.path("guest_mac").asString()).isEqualTo("02:fc:00:00:00:09");
      vm.kill();
      vm.exited().get(30, TimeUnit.SECONDS);
    } finally {
      ip("link", "delete", tap);
    }
  }

  @Test
  void refusedDriveIdNamesTheStepQuotesTheFaultAndLeavesNothingBehind() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path runtime = tmp.resolve("run");
    VmmSpec spec =
        spec("bad-drive", runtime, fc.binary())
            .extraDisk(new VmmSpec.Disk("root-fs", file("disk.img"), false))
            .build();

    assertThatThrownBy(() -> driver.start(spec))
        .isInstanceOfSatisfying(
            FirecrackerApiException.class,
            e -> {
              assertThat(e.step()).isEqualTo("configuring drive root-fs");
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.faultMessage()).contains("drive_id \"root-fs\"");
            })
        .hasMessageContaining("Firecracker refused configuring drive root-fs for VM bad-drive")
        .hasMessageContaining("drive_id \"root-fs\"");

    assertNothingLeft(runtime);
  }

  @Test
  void machineConfigOutsideFirecrackersLimitsNamesTheStep() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path runtime = tmp.resolve("run");
    VmmSpec spec = spec("many-cpus", runtime, fc.binary()).vcpus(33).build();

    assertThatThrownBy(() -> driver.start(spec))
        .isInstanceOf(FirecrackerApiException.class)
        .hasMessageContaining("configuring machine-config")
        .hasMessageContaining("vcpu_count: 33 is above the maximum 32");

    assertNothingLeft(runtime);
  }

  @Test
  void missingInitrdIsRefusedAtBootSource() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path runtime = tmp.resolve("run");
    VmmSpec spec =
        spec("no-initrd", runtime, fc.binary()).initrd(tmp.resolve("missing.cpio")).build();

    assertThatThrownBy(() -> driver.start(spec))
        .isInstanceOf(FirecrackerApiException.class)
        .hasMessageContaining("configuring boot-source")
        .hasMessageContaining("missing.cpio");

    assertNothingLeft(runtime);
  }

  @Test
  void startRemovesStaleApiAndVsockSockets() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path runtime = Files.createDirectories(tmp.resolve("run"));
    leaveStaleSocket(runtime.resolve("firecracker.sock"));
    leaveStaleSocket(runtime.resolve("vsock.sock"));
    VmmSpec spec = spec("stale", runtime, fc.binary()).vsock(new VmmSpec.Vsock(3, 10789)).build();

    VmmProcess vm = track(driver.start(spec));

    assertThat(vm.isAlive()).isTrue();
    assertThat(fc.acceptedRequestLines()).contains("PUT /vsock", "PUT /actions");
  }

  @Test
  void spawnFailureQuotesFirecrackerAndLeavesNothingBehind() throws Exception {
    Path binary = FakeFirecracker.failing(tmp.resolve("bin"), "cannot open /dev/kvm: boom");
    Path runtime = tmp.resolve("run");

    assertThatThrownBy(() -> driver.start(spec("no-kvm", runtime, binary).build()))
        .isInstanceOf(VmmException.class)
        .hasMessageContaining("Could not start Firecracker for VM no-kvm")
        .hasMessageContaining("exited before its API socket")
        .hasMessageContaining("cannot open /dev/kvm: boom");

    assertNothingLeft(runtime);
  }

  @Test
  void gracefulStopSendsCtrlAltDelAndFirecrackerExits() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path runtime = tmp.resolve("run");
    VmmSpec spec =
        spec("graceful", runtime, fc.binary()).vsock(new VmmSpec.Vsock(3, 10789)).build();
    VmmProcess vm = track(driver.start(spec));

    ExitInfo exit = vm.stopGracefully(Duration.ofSeconds(30));

    assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.STOPPED);
    assertThat(exit.exitCode()).hasValue(0);
    assertThat(fc.acceptedRequestLines()).endsWith("PUT /actions", "PUT /actions");
    assertThat(fc.requests().getLast().path("body").path("action_type").asString())
        .isEqualTo("SendCtrlAltDel");
    assertThat(listing(runtime))
        .containsExactlyInAnyOrder(
            "console.log", "firecracker.log", "firecracker.metrics", "firecracker.out");
  }

  @Test
  void gracefulStopKillsFirecrackerWhenTheGuestIgnoresCtrlAltDel() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.IGNORE);
    Path runtime = tmp.resolve("run");
    VmmProcess vm = track(driver.start(spec("stubborn", runtime, fc.binary()).build()));

    ExitInfo exit = vm.stopGracefully(Duration.ofSeconds(1));

    assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.KILLED);
    assertThat(exit.exitCode()).hasValue(137);
    assertThat(fc.requests().getLast().path("body").path("action_type").asString())
        .isEqualTo("SendCtrlAltDel");
    assertThat(listing(runtime)).doesNotContain("firecracker.sock", "vsock.sock");
  }

  @Test
  void exitIsDetectedWhenFirecrackerDiesAndItsSocketsAreRemoved() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path runtime = tmp.resolve("run");
    VmmSpec spec = spec("crash", runtime, fc.binary()).vsock(new VmmSpec.Vsock(3, 10789)).build();
    VmmProcess vm = track(driver.start(spec));
    assertThat(runtime.resolve("vsock.sock")).exists();

    ProcessHandle.of(vm.pid()).orElseThrow().destroyForcibly();

    ExitInfo exit = vm.exited().get(10, TimeUnit.SECONDS);
    assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.EXITED);
    assertThat(listing(runtime)).doesNotContain("firecracker.sock", "vsock.sock");
  }

  @Test
  void freshDriverAdoptsRunningFirecrackerAndStopsIt() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    VmmProcess original =
        track(driver.start(spec("adopted", tmp.resolve("run"), fc.binary()).build()));

    try (FirecrackerDriver restarted = new FirecrackerDriver(TIMEOUTS)) {
      VmmProcess adopted = track(restarted.adopt(original.state()));

      assertThat(adopted.pid()).isEqualTo(original.pid());
      ExitInfo exit = adopted.stopGracefully(Duration.ofSeconds(30));
      assertThat(exit.cause()).isEqualTo(ExitInfo.Cause.STOPPED);
      assertThat(exit.exitCode()).isEmpty();
    }
    assertThat(fc.acceptedRequestLines()).endsWith("GET /", "PUT /actions");
  }

  @Test
  void adoptReportsGoneAfterFirecrackerExited() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    VmmProcess vm = track(driver.start(spec("exited", tmp.resolve("run"), fc.binary()).build()));
    vm.kill();
    vm.exited().get(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> driver.adopt(vm.state()))
        .isInstanceOfSatisfying(
            VmmGoneException.class,
            e -> assertThat(e.reason()).isEqualTo(VmmGoneException.Reason.NOT_RUNNING));
  }

  @Test
  void adoptKillsAFirecrackerThatNoLongerAnswers() throws Exception {
    FakeFirecracker fc = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path runtime = tmp.resolve("run");
    VmmProcess vm = track(driver.start(spec("frozen", runtime, fc.binary()).build()));
    assertThat(signal("STOP", vm.pid())).isZero();

    try (FirecrackerDriver impatient =
        new FirecrackerDriver(
            new FirecrackerDriver.Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(2)))) {
      assertThatThrownBy(() -> impatient.adopt(vm.state()))
          .isInstanceOfSatisfying(
              VmmGoneException.class,
              e -> assertThat(e.reason()).isEqualTo(VmmGoneException.Reason.UNRESPONSIVE))
          .hasMessageContaining("did not answer")
          .hasMessageContaining("was killed");
    }
    assertThat(vm.exited().get(10, TimeUnit.SECONDS).exitCode()).hasValue(137);
    assertThat(runtime.resolve("firecracker.sock")).doesNotExist();
  }

  @Test
  void jailerRunsFirecrackerChrootedWithLinkedFilesAndRelativePaths() throws Exception {
    FakeFirecracker jailer = fake(FakeFirecracker.OnCtrlAltDel.EXIT);
    Path firecracker = Files.writeString(tmp.resolve("bin/firecracker"), "#!/bin/sh\n");
    Path chrootBase = Files.createDirectories(tmp.resolve("jail"));
    Path runtime = tmp.resolve("run");
    Path root = file("root.img");
    VmmSpec spec =
        spec("jailed", runtime, firecracker)
            .rootDisk(root)
            .vsock(new VmmSpec.Vsock(5, 10789))
            .jailer(new VmmSpec.Jailer(jailer.binary(), 12345, 23456, chrootBase))
            .build();

    VmmProcess vm = track(driver.start(spec));

    Path jailRoot = chrootBase.resolve("firecracker/jailed/root");
    assertThat(body(jailer, "/boot-source").path("kernel_image_path").asString())
        .isEqualTo("/kernel");
    assertThat(body(jailer, "/drives/rootfs").path("path_on_host").asString())
        .isEqualTo("/rootfs.img");
    assertThat(body(jailer, "/vsock").path("uds_path").asString()).isEqualTo("/vsock.sock");
    assertThat(Files.isSameFile(jailRoot.resolve("rootfs.img"), root)).isTrue();
    assertThat(Files.getAttribute(root, "unix:uid")).isEqualTo(12345);
    assertThat(Files.getAttribute(root, "unix:gid")).isEqualTo(23456);
    assertThat(Files.getAttribute(spec.kernel(), "unix:uid")).isEqualTo(0);
    assertThat(vm.state().controlSocket()).isEqualTo(jailRoot.resolve("firecracker.sock"));
    assertThat(vm.agentSocket()).isEqualTo(jailRoot.resolve("vsock.sock")).exists();
    assertThat(Files.isSameFile(jailRoot.resolve("console.log"), spec.serialLog())).isTrue();

    vm.kill();
    vm.exited().get(10, TimeUnit.SECONDS);
    assertThat(chrootBase.resolve("firecracker/jailed")).doesNotExist();
    assertThat(root).exists();
  }

  @Test
  void jailRefusesAVmIdTheJailerCannotUse() throws Exception {
    VmmSpec spec =
        spec("under_score", tmp.resolve("run"), tmp.resolve("firecracker"))
            .jailer(new VmmSpec.Jailer(tmp.resolve("jailer"), 1, 1, tmp))
            .build();

    assertThatThrownBy(() -> driver.start(spec)).hasMessageContaining("cannot name a jail");
  }

  @Test
  void specsFirecrackerCannotRunAreRefusedBeforeSpawning() throws Exception {
    Path runtime = tmp.resolve("run");
    Path binary = tmp.resolve("never-run");
    Path bzImage = Files.write(tmp.resolve("bzImage"), new byte[] {'M', 'Z', 0, 0});
    VmmSpec.Builder base = spec("refused", runtime, binary);

    assertThatThrownBy(() -> driver.start(base.accel(VmmSpec.Accel.TCG).build()))
        .hasMessageContaining("Firecracker needs KVM");
    assertThatThrownBy(
            () ->
                driver.start(
                    spec("refused", runtime, binary)
                        .network(
                            new VmmSpec.UserMode(new MacAddress("02:00:00:00:00:01"), List.of()))
                        .build()))
        .hasMessageContaining("no user-mode network");
    assertThatThrownBy(() -> driver.start(spec("refused", runtime, binary).kernel(bzImage).build()))
        .hasMessageContaining("not an ELF vmlinux");
    assertThatThrownBy(
            () ->
                driver.start(
                    spec("refused", runtime, binary)
                        .rootDisk(tmp.resolve("rootfs.qcow2"), VmmSpec.DiskFormat.QCOW2)
                        .build()))
        .hasMessageContaining("raw disk images only");
    assertThat(runtime).doesNotExist();
  }

  private FakeFirecracker fake(FakeFirecracker.OnCtrlAltDel mode) throws IOException {
    return FakeFirecracker.create(tmp.resolve("bin"), "fake-firecracker", mode);
  }

  private VmmProcess track(VmmProcess process) {
    started.add(process);
    return process;
  }

  private VmmSpec.Builder spec(String id, Path runtime, Path binary) throws IOException {
    Path kernel = tmp.resolve("vmlinux");
    if (!Files.exists(kernel)) {
      // The fake boots nothing; the driver only checks for an ELF kernel.
      Files.write(kernel, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
    }
    return VmmSpec.builder(id)
        .vcpus(2)
        .memoryMib(256)
        .kernel(kernel)
        .runtimeDir(runtime)
        .accel(VmmSpec.Accel.KVM)
        .vmmBinary(binary);
  }

  private Path file(String name) throws IOException {
    return Files.write(tmp.resolve(name), new byte[4096]);
  }

  private static JsonNode body(FakeFirecracker fc, String path) throws IOException {
    return fc.requests().stream()
        .filter(r -> r.path("path").asString().equals(path))
        .reduce((first, second) -> second)
        .orElseThrow(() -> new AssertionError("no request to " + path))
        .path("body");
  }

  private void assertNothingLeft(Path runtime) {
    assertThat(runtime).doesNotExist();
    assertThat(fakeProcesses()).isEmpty();
  }

  private static List<ProcessHandle> fakeProcesses() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(
            p ->
                p.info().arguments().map(List::of).orElse(List.of()).stream()
                    .anyMatch(a -> a.endsWith("FakeFirecrackerMain")))
        .toList();
  }

  private static void leaveStaleSocket(Path path) throws IOException {
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
    }
    assertThat(path).exists();
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static long ownPid() {
    return ProcessHandle.current().pid();
  }

  /** Field 6 of /proc/PID/stat, counted after the parenthesised command name. */
  static long sessionId(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", pid + "/stat"), UTF_8);
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
  }

  private static int signal(String name, long pid) throws Exception {
    return new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor();
  }

  private static int ip(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    int rc = p.waitFor();
    if (rc != 0) {
      System.err.println("ip " + String.join(" ", args) + ": " + out);
    }
    return rc;
  }
}
