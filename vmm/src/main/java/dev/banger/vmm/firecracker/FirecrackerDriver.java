package dev.banger.vmm.firecracker;

import dev.banger.vmm.Adoption;
import dev.banger.vmm.AgentTransport;
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
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs guests under Firecracker, configured through its REST API on a Unix socket: logger, metrics,
 * machine, boot source, drives, network interface, vsock and serial console, then InstanceStart
 * (see {@link FirecrackerBootSequence}). Under the jailer ({@code jailer_bin}), Firecracker runs
 * chrooted as the configured uid and gid (see {@link Jail}).
 *
 * <p>Files in the runtime directory (inside the jail's root under the jailer): {@code
 * firecracker.sock} (API), {@code vsock.sock} (the agent's vsock bridge), {@code firecracker.log},
 * {@code firecracker.metrics}; {@code firecracker.out} (stdout and stderr) always stays in the
 * runtime directory.
 *
 * <p>Thread-safe: VMs share one started HTTP client, which is thread-safe.
 */
public final class FirecrackerDriver implements VmmDriver {
  /** The name used in config and persisted state. */
  public static final String NAME = "firecracker";

  private static final Logger LOG = LoggerFactory.getLogger(FirecrackerDriver.class);
  private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

  private final Timeouts timeouts;
  private final HttpClient http;

  /**
   * How long the driver waits.
   *
   * @param apiSocket for the API socket to accept connections after spawning
   * @param request for one API request
   */
  public record Timeouts(Duration apiSocket, Duration request) {
    /** Firecracker's API is up within milliseconds; these leave room for a loaded host. */
    public static Timeouts defaults() {
      return new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(10));
    }
  }

  /**
   * A driver with its own HTTP client.
   *
   * @throws VmmException if the HTTP client cannot start
   */
  public FirecrackerDriver(Timeouts timeouts) throws VmmException {
    this.timeouts = timeouts;
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("firecracker-api");
    // Daemon threads: a daemon that forgets to close the driver must still be able to exit.
    threads.setDaemon(true);
    this.http = new HttpClient();
    http.setExecutor(threads);
    http.setScheduler(new ScheduledExecutorScheduler("firecracker-api-scheduler", true));
    try {
      http.start();
    } catch (Exception e) {
      throw new VmmException("Could not start the HTTP client for Firecracker's API: " + e, e);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public VmmProcess start(VmmSpec spec) throws VmmException, InterruptedException {
    validate(spec);
    String jailId = spec.jailer().isPresent() ? Jail.id(spec) : spec.vmId();
    FirecrackerLayout layout = FirecrackerLayout.of(spec, jailId);
    RuntimeFiles files = new RuntimeFiles();
    Process process = null;
    try {
      Map<Path, Path> inJail = prepareFiles(spec, layout, files);

      process =
          VmmLauncher.spawn(command(spec, layout, jailId), spec.runtimeDir(), layout.output());
      UnixSockets.awaitAccepting(
          layout.apiSocket(),
          process.toHandle(),
          timeouts.apiSocket(),
          "API socket of VM " + spec.vmId());

      FirecrackerApi api =
          new FirecrackerApi(http, layout.apiSocket(), spec.vmId(), timeouts.request());
      Path console = FirecrackerBootSequence.configureAndStart(api, spec, layout, inJail);

      VmmState state = stateOf(spec, layout, process.pid(), console);
      LOG.info("VM {}: Firecracker started, pid {}", spec.vmId(), process.pid());
      CompletableFuture<OptionalInt> ended =
          process.onExit().thenApply(p -> OptionalInt.of(p.exitValue()));
      return new FirecrackerProcess(state, process.toHandle(), ended, api);
    } catch (VmmException | RuntimeException e) {
      String output = process == null ? "" : VmmLauncher.tail(layout.output(), 20);
      VmmException failure = startFailure(spec, e, output);
      Adoption.killAndRemove(process, files, failure);
      LOG.info("VM {}: Firecracker start failed; its process and files are removed", spec.vmId());
      throw failure;
    } catch (InterruptedException e) {
      Adoption.killAndRemove(process, files, e);
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
    FirecrackerApi api =
        new FirecrackerApi(http, persisted.controlSocket(), persisted.vmId(), timeouts.request());
    try {
      String state = api.get("checking the instance", "/").path("state").asString();
      LOG.info("VM {}: adopted Firecracker pid {} ({})", persisted.vmId(), persisted.pid(), state);
    } catch (VmmException e) {
      throw Adoption.killUnresponsive(persisted, handle, e);
    }
    return new FirecrackerProcess(persisted, handle, ProcessExitWatch.watch(identity), api);
  }

  @Override
  public void close() {
    try {
      http.stop();
    } catch (Exception e) {
      LOG.warn("Stopping the HTTP client for Firecracker's API failed", e);
    }
  }

  private static void validate(VmmSpec spec) throws VmmException {
    if (spec.accel() != VmmSpec.Accel.KVM) {
      throw new VmmException(
          "VM " + spec.vmId() + ": Firecracker needs KVM; use the qemu VMM for " + spec.accel());
    }
    if (spec.network().orElse(null) instanceof VmmSpec.UserMode) {
      throw new VmmException(
          "VM " + spec.vmId() + ": Firecracker has no user-mode network; give it a TAP device");
    }
    boolean qcow2 =
        spec.rootDiskFormat() != VmmSpec.DiskFormat.RAW
            || spec.extraDisks().stream().anyMatch(d -> d.format() != VmmSpec.DiskFormat.RAW);
    if (qcow2) {
      throw new VmmException(
          "VM " + spec.vmId() + ": Firecracker takes raw disk images only, not qcow2 overlays");
    }
    requireElf(spec);
  }

  /** Firecracker loads only an ELF vmlinux; a bzImage fails later with an obscure error. */
  private static void requireElf(VmmSpec spec) throws VmmException {
    byte[] head = new byte[ELF_MAGIC.length];
    try (InputStream in = Files.newInputStream(spec.kernel())) {
      int read = in.readNBytes(head, 0, head.length);
      if (read < head.length || !Arrays.equals(head, ELF_MAGIC)) {
        throw new VmmException(
            "VM "
                + spec.vmId()
                + ": kernel "
                + spec.kernel()
                + " is not an ELF vmlinux; Firecracker cannot boot a compressed bzImage");
      }
    } catch (IOException e) {
      throw new VmmException(
          "VM " + spec.vmId() + ": could not read kernel " + spec.kernel() + ": " + e, e);
    }
  }

  private static Map<Path, Path> prepareFiles(
      VmmSpec spec, FirecrackerLayout layout, RuntimeFiles files) throws VmmException {
    files.createDirectories(spec.runtimeDir());
    // Firecracker refuses to start when its API or vsock socket path already exists.
    for (Path socket : List.of(layout.apiSocket(), layout.vsockSocket())) {
      UnixSockets.requireFits(socket);
      RuntimeFiles.removeStaleSocket(socket);
      files.track(socket);
    }
    files.createFileIfMissing(layout.output());
    if (spec.jailer().isEmpty()) {
      // Firecracker opens these files but does not create them.
      for (Path file : List.of(layout.log(), layout.metrics(), layout.serialLog())) {
        files.createFileIfMissing(file);
      }
      return Map.of();
    }
    return populateJail(spec, layout, files);
  }

  private static Map<Path, Path> populateJail(
      VmmSpec spec, FirecrackerLayout layout, RuntimeFiles files) throws VmmException {
    Map<Path, Path> inJail = Jail.populate(spec, layout, files);
    Path runtime = spec.runtimeDir();
    List<Path> logs = new ArrayList<>();
    for (Path jailed : List.of(layout.log(), layout.metrics(), layout.serialLog())) {
      Path host =
          jailed.equals(layout.serialLog())
              ? spec.serialLog()
              : runtime.resolve(jailed.getFileName());
      files.createFileIfMissing(host);
      Jail.linkLog(host, jailed);
      logs.add(jailed);
    }
    Jail.handOver(spec.jailer().get(), logs);
    return inJail;
  }

  private static List<String> command(VmmSpec spec, FirecrackerLayout layout, String jailId) {
    if (spec.jailer().isEmpty()) {
      // Firecracker's --id allows letters, digits and '-' only; it is just a label in its logs.
      return List.of(
          spec.vmmBinary().toString(),
          "--api-sock",
          layout.apiSocket().toString(),
          "--id",
          spec.vmId().replace('_', '-'));
    }
    VmmSpec.Jailer jailer = spec.jailer().get();
    return List.of(
        jailer.binary().toString(),
        "--id",
        jailId,
        "--exec-file",
        spec.vmmBinary().toString(),
        "--uid",
        Integer.toString(jailer.uid()),
        "--gid",
        Integer.toString(jailer.gid()),
        "--chroot-base-dir",
        jailer.chrootBase().toString(),
        "--",
        "--api-sock",
        layout.inVmm(layout.apiSocket()));
  }

  private static VmmState stateOf(VmmSpec spec, FirecrackerLayout layout, long pid, Path console)
      throws VmmException {
    ProcessIdentity identity =
        ProcessIdentity.of(pid)
            .orElseThrow(
                () ->
                    new VmmException(
                        "Firecracker for VM " + spec.vmId() + " (pid " + pid + ") vanished"));
    return new VmmState(
        NAME,
        spec.vmId(),
        pid,
        identity.startTimeTicks(),
        identity.commandLine(),
        spec.runtimeDir(),
        layout.apiSocket(),
        console,
        layout.vsockSocket(),
        AgentTransport.FIRECRACKER_VSOCK,
        spec.vsock().map(VmmSpec.Vsock::agentPort).orElse(0),
        layout.jailDir());
  }

  private static VmmException startFailure(VmmSpec spec, Exception e, String output) {
    String message =
        "Could not start Firecracker for VM "
            + spec.vmId()
            + ": "
            + e.getMessage()
            + (output.isEmpty() ? "" : "\nFirecracker said:\n" + output);
    if (e instanceof FirecrackerApiException refused) {
      // Already names the VM, the step and the fault; its type tells a refused configuration
      // from a failed spawn.
      return refused;
    }
    return new VmmException(message, e);
  }
}
