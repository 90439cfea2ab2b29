package dev.banger.vmm.qemu;

import dev.banger.vmm.Adoption;
import dev.banger.vmm.AgentTransport;
import dev.banger.vmm.KernelCommandLine;
import dev.banger.vmm.ProcessExitWatch;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.RuntimeFiles;
import dev.banger.vmm.UnixSockets;
import dev.banger.vmm.VmmDriver;
import dev.banger.vmm.VmmException;
import dev.banger.vmm.VmmLauncher;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.VmmSpec;
import dev.banger.vmm.VmmState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs guests under QEMU's {@code microvm} machine: KVM where the caller found it usable, otherwise
 * software emulation (TCG). The serial console goes to the VM's console log, the control channel is
 * a QMP socket, and the guest agent is reached through a virtio serial port bound to a Unix socket.
 * A vhost-vsock device is added where the spec asks for vsock and the host has {@code
 * /dev/vhost-vsock}.
 *
 * <p>Files in the runtime directory: {@code qmp.sock}, {@code agent.sock}, {@code qemu.pid} and
 * {@code qemu.out} (QEMU's own output).
 *
 * <p>Thread-safe: it holds no per-VM state.
 */
public final class QemuDriver implements VmmDriver {
  /** The name used in config and persisted state. */
  public static final String NAME = "qemu";

  private static final Logger LOG = LoggerFactory.getLogger(QemuDriver.class);
  private static final Path VHOST_VSOCK = Path.of("/dev/vhost-vsock");

  /**
   * What the driver adds to banger's kernel parameters: the console on the first UART, and on panic
   * reboot after a second, which {@code -no-reboot} turns into QEMU exiting. Under TCG it also
   * passes the host's TSC rate (see {@link HostTsc}).
   */
  private static final List<String> DRIVER_KERNEL_PARAMS =
      List.of("console=ttyS0", "reboot=k", "panic=1");

  private final Duration startTimeout;
  private final Duration qmpTimeout;

  /** A driver with the default timeouts: 30 s for QMP to come up, 10 s per QMP command. */
  public QemuDriver() {
    this(Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  /**
   * A driver with explicit timeouts.
   *
   * @param startTimeout how long QEMU may take to accept QMP connections after spawning
   * @param qmpTimeout how long one QMP command may take
   */
  public QemuDriver(Duration startTimeout, Duration qmpTimeout) {
    this.startTimeout = startTimeout;
    this.qmpTimeout = qmpTimeout;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Whether this host can give guests a vhost-vsock device. */
  public static boolean hostHasVhostVsock() {
    return Files.exists(VHOST_VSOCK);
  }

  @Override
  public VmmProcess start(VmmSpec spec) throws VmmException, InterruptedException {
    if (spec.jailer().isPresent()) {
      throw new VmmException(
          "VM " + spec.vmId() + ": the jailer is Firecracker's; QEMU cannot run under it");
    }
    Layout layout = Layout.of(spec.runtimeDir());
    RuntimeFiles files = new RuntimeFiles();
    Process process = null;
    try {
      prepareFiles(spec, layout, files);

      QemuCommandLine command = commandLine(spec, layout);
      LOG.debug("VM {}: starting {}", spec.vmId(), command);
      process = VmmLauncher.spawn(command.arguments(), spec.runtimeDir(), layout.output());

      awaitRunning(spec, layout, process);

      VmmState state = stateOf(spec, layout, process.pid());
      LOG.info("VM {}: QEMU started, pid {}", spec.vmId(), process.pid());
      CompletableFuture<OptionalInt> ended =
          process.onExit().thenApply(p -> OptionalInt.of(p.exitValue()));
      return new QemuProcess(state, process.toHandle(), ended, layout.pidFile(), qmpTimeout);
    } catch (VmmException | RuntimeException e) {
      String output = process == null ? "" : VmmLauncher.tail(layout.output(), 20);
      VmmException failure =
          new VmmException(
              "Could not start QEMU for VM "
                  + spec.vmId()
                  + ": "
                  + e.getMessage()
                  + (output.isEmpty() ? "" : "\nQEMU said:\n" + output),
              e);
      undoStart(spec, process, files, failure);
      throw failure;
    } catch (InterruptedException e) {
      undoStart(spec, process, files, e);
      throw e;
    }
  }

  @Override
  public VmmProcess adopt(VmmState persisted) throws VmmException, InterruptedException {
    if (!persisted.vmm().equals(NAME)) {
      throw new VmmException(
          "VM " + persisted.vmId() + " runs under " + persisted.vmm() + ", not " + NAME);
    }
    ProcessIdentity identity = Adoption.identify(persisted);
    ProcessHandle handle = Adoption.handle(persisted);
    try (QmpClient qmp = QmpClient.connect(persisted.controlSocket(), qmpTimeout)) {
      String status = qmp.queryStatus(qmpTimeout);
      LOG.info("VM {}: adopted QEMU pid {} ({})", persisted.vmId(), persisted.pid(), status);
    } catch (QmpException e) {
      throw Adoption.killUnresponsive(persisted, handle, e);
    }
    Path pidFile = Layout.of(persisted.runtimeDir()).pidFile();
    return new QemuProcess(
        persisted, handle, ProcessExitWatch.watch(identity), pidFile, qmpTimeout);
  }

  @Override
  public void close() {
    // Nothing is held between calls: each QMP exchange opens and closes its own connection.
  }

  private static void prepareFiles(VmmSpec spec, Layout layout, RuntimeFiles files)
      throws VmmException {
    files.createDirectories(spec.runtimeDir());
    for (Path socket : List.of(layout.qmp(), layout.agent())) {
      UnixSockets.requireFits(socket);
      RuntimeFiles.removeStaleSocket(socket);
      files.track(socket);
    }
    files.createFileIfMissing(layout.output());
    files.createFileIfMissing(spec.serialLog());
    files.track(layout.pidFile());
  }

  private static QemuCommandLine commandLine(VmmSpec spec, Layout layout) {
    QemuCommandLine.Builder builder =
        QemuCommandLine.builder(spec.vmmBinary())
            .name(spec.vmId())
            .accel(spec.accel())
            .cpus(spec.vcpus())
            .memoryMib(spec.memoryMib())
            .kernel(spec.kernel())
            .append(KernelCommandLine.merge(driverKernelParams(spec), spec.kernelArgs()))
            .serialLog(spec.serialLog())
            .agentSocket(layout.agent())
            .qmpSocket(layout.qmp())
            .pidFile(layout.pidFile());
    spec.initrd().ifPresent(builder::initrd);
    spec.rootDisk()
        .ifPresent(
            root -> builder.disk(new VmmSpec.Disk("rootfs", root, false, spec.rootDiskFormat())));
    spec.extraDisks().forEach(builder::disk);
    spec.network().ifPresent(builder::network);
    if (spec.vsock().isPresent() && hostHasVhostVsock()) {
      builder.vsock(spec.vsock().get().guestCid());
    } else if (spec.vsock().isPresent()) {
      LOG.info("VM {}: no {} on this host; the agent uses virtio serial", spec.vmId(), VHOST_VSOCK);
    }
    return builder.build();
  }

  private static List<String> driverKernelParams(VmmSpec spec) {
    List<String> params = new ArrayList<>(DRIVER_KERNEL_PARAMS);
    if (spec.accel() == VmmSpec.Accel.TCG) {
      HostTsc.kilohertz().ifPresent(khz -> params.add("tsc_early_khz=" + khz));
    }
    return params;
  }

  private void awaitRunning(VmmSpec spec, Layout layout, Process process)
      throws VmmException, InterruptedException {
    UnixSockets.awaitAccepting(
        layout.qmp(), process.toHandle(), startTimeout, "QMP socket of VM " + spec.vmId());
    try (QmpClient qmp = QmpClient.connect(layout.qmp(), qmpTimeout)) {
      String status = qmp.queryStatus(qmpTimeout);
      if (!status.equals("running")) {
        throw new VmmException(
            "QEMU for VM " + spec.vmId() + " reports status \"" + status + "\", not running");
      }
    }
  }

  private static VmmState stateOf(VmmSpec spec, Layout layout, long pid) throws VmmException {
    ProcessIdentity identity =
        ProcessIdentity.of(pid)
            .orElseThrow(
                () ->
                    new VmmException(
                        "QEMU for VM " + spec.vmId() + " (pid " + pid + ") vanished at start"));
    return new VmmState(
        NAME,
        spec.vmId(),
        pid,
        identity.startTimeTicks(),
        identity.commandLine(),
        spec.runtimeDir(),
        layout.qmp(),
        spec.serialLog(),
        layout.agent(),
        AgentTransport.VIRTIO_SERIAL,
        0,
        Optional.empty());
  }

  private static void undoStart(VmmSpec spec, Process process, RuntimeFiles files, Exception e)
      throws InterruptedException {
    Adoption.killAndRemove(process, files, e);
    LOG.info("VM {}: QEMU start failed; its process and files are removed", spec.vmId());
  }

  /** Where QEMU's files for one VM live. */
  private record Layout(Path qmp, Path agent, Path pidFile, Path output) {
    static Layout of(Path runtimeDir) {
      return new Layout(
          runtimeDir.resolve("qmp.sock"),
          runtimeDir.resolve("agent.sock"),
          runtimeDir.resolve("qemu.pid"),
          runtimeDir.resolve("qemu.out"));
    }
  }
}
