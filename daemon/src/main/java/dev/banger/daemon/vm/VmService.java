package dev.banger.daemon.vm;

import dev.banger.api.CreateVmRequest;
import dev.banger.api.ErrorCode;
import dev.banger.api.ImageView;
import dev.banger.api.KernelView;
import dev.banger.api.VmView;
import dev.banger.archive.FileTrees;
import dev.banger.daemon.config.ByteSize;
import dev.banger.daemon.config.Config;
import dev.banger.daemon.http.ApiException;
import dev.banger.daemon.http.Json;
import dev.banger.daemon.image.ImageService;
import dev.banger.daemon.kernel.KernelService;
import dev.banger.daemon.namegen.NameGenerator;
import dev.banger.daemon.store.Store;
import dev.banger.disk.CowStrategy;
import dev.banger.disk.DiskException;
import dev.banger.disk.Ext4Files;
import dev.banger.disk.Qcow2Overlay;
import dev.banger.disk.RootDisk;
import dev.banger.disk.RootDiskFactory;
import dev.banger.disk.WorkDisk;
import dev.banger.disk.WorkDiskFactory;
import dev.banger.guest.AgentClient;
import dev.banger.hostos.CommandRunner;
import dev.banger.network.BridgedNetwork;
import dev.banger.network.MacAddress;
import dev.banger.network.UserModeNetwork;
import dev.banger.network.VmNetwork;
import dev.banger.vmm.ExitInfo;
import dev.banger.vmm.VmmDriver;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.VmmSpec;
import dev.banger.vmm.VmmState;
import dev.banger.vmm.qemu.QemuDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VM lifecycle: create, start, stop, kill, restart and rm, each allowed only in the states its
 * method names. A VM moves created → starting → running (the guest agent said hello) → stopping →
 * stopped; a VMM that exits on its own makes it crashed, a boot that never becomes ready makes it
 * failed, each with a reason. States live in the store; the VMM processes are watched so that an
 * exit is recorded within a second, and re-adopted after a daemon restart.
 *
 * <p>Every host resource a VM gets (disks, TAP, address, sockets, process) is recorded with it and
 * removed by {@code rm}; a create that fails part-way removes what it made. Thread-safe: operations
 * on one VM are serialised by a per-VM lock.
 */
public final class VmService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VmService.class);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final java.security.SecureRandom ID_RANDOM = new java.security.SecureRandom();

  /** The vsock port the agent listens on (docs/guest-boot-contract.md). */
  static final int AGENT_VSOCK_PORT = 10789;

  private final VmRepository vms;
  private final ImageService images;
  private final KernelService kernels;
  private final Config config;
  private final Path vmsDir;
  private final Path runtimeVmsDir;
  private final SshKeys sshKeys;
  private final VmHost host;
  private final StoreAddressBook addresses;
  private final RootDiskFactory rootDisks = new RootDiskFactory(CommandRunner.onHost());
  private final WorkDiskFactory workDisks = new WorkDiskFactory(CommandRunner.onHost());
  private final PreparedBases bases;
  private final NameGenerator names = new NameGenerator();
  private final Map<String, VmmProcess> processes = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final GuestAgents agents;

  /** The VM service of a daemon. */
  public VmService(
      Store store,
      ImageService images,
      KernelService kernels,
      Config config,
      Path stateDir,
      Path runtimeDir,
      Path configDir,
      Path agentBinary)
      throws IOException {
    this.vms = new VmRepository(store);
    this.images = images;
    this.kernels = kernels;
    this.config = config;
    this.vmsDir = stateDir.resolve("vms");
    this.runtimeVmsDir = runtimeDir.resolve("vms");
    this.sshKeys = new SshKeys(config.sshKeyPath(), configDir);
    this.host = new VmHost(config);
    this.addresses = new StoreAddressBook(store);
    this.agents = new GuestAgents(vms);
    this.bases =
        new PreparedBases(
            stateDir.resolve("bases"),
            rootDisks,
            new GuestSetup(new Ext4Files(CommandRunner.onHost()), agentBinary),
            agentBinary,
            sshKeys);
  }

  /** The repository, for read-only routes. */
  public VmRepository repository() {
    return vms;
  }

  /** The guest agents of running VMs. */
  public GuestAgents agents() {
    return agents;
  }

  /** The SSH keys VMs trust. */
  public SshKeys sshKeys() {
    return sshKeys;
  }

  /** The VM named or with id {@code ref}. */
  public VmView show(String ref) {
    return vms.find(ref)
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "no VM named or with id '" + ref + "'; `banger vm ls` lists them"));
  }

  /** The host resources of a VM. */
  public VmResources resources(String ref) {
    return vms.resources(show(ref).id());
  }

  /**
   * Creates a VM: pulls its image and kernel when missing, makes its root and work disks and its
   * network, and records it as {@code created}; starts it when the request says so.
   */
  public VmView create(CreateVmRequest req) throws Exception {
    int cpus = req.cpus() != null ? req.cpus() : config.vmCpus();
    int memory = req.memoryMib() != null ? req.memoryMib() : config.vmMemoryMib();
    long disk = req.disk() != null ? parseDisk(req.disk()) : config.vmDiskBytes();
    validateSizes(cpus, memory, disk);
    String vmm = host.vmm(req.vmm());
    if (!List.of("qemu", "firecracker").contains(vmm)) {
      throw ApiException.badRequest("unknown VMM '" + vmm + "': use firecracker or qemu");
    }
    String name = chooseName(req.name());

    ImageView image = images.ensure(req.image() != null ? req.image() : config.defaultImageName());
    KernelView kernel = kernels.ensure(req.kernel() != null ? req.kernel() : image.kernel());

    // A plain SecureRandom: the "strong" instance reads /dev/random and may block a create.
    byte[] idBytes = new byte[8];
    ID_RANDOM.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    VmView created = createResources(id, name, image, kernel, vmm, cpus, memory, disk);
    LOG.info(
        "VM {} ({}) created from image {} with kernel {}", name, id, image.name(), kernel.name());
    return req.start() ? start(id) : created;
  }

  private VmView createResources(
      String id,
      String name,
      ImageView image,
      KernelView kernel,
      String vmm,
      int cpus,
      int memory,
      long disk)
      throws Exception {
    Path vmDir = vmsDir.resolve(id);
    Path runDir = runtimeVmsDir.resolve(id);
    // Concurrent: the two disks are made side by side and each pushes its own undo step.
    Deque<Undo> undo = new ConcurrentLinkedDeque<>();
    try {
      Files.createDirectories(vmDir);
      undo.push(() -> FileTrees.deleteTree(vmDir));
      Files.createDirectories(runDir);
      undo.push(() -> FileTrees.deleteTree(runDir));

      PreparedRoot root;
      WorkDisk work;
      // The root disk (and the image's base, the first time) and the work disk's mkfs touch
      // different files, so a create waits for the longer of the two, not for both. Closing the
      // executor waits for both, so a failure unwinds only after both have stopped.
      try (ExecutorService disks = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<PreparedRoot> rootTask = disks.submit(() -> rootDisk(id, image, vmm, vmDir, undo));
        Future<WorkDisk> workTask = disks.submit(() -> workDisk(image, vmDir, disk, undo));
        root = outcome(rootTask);
        work = outcome(workTask);
      }

      VmResources resources = network(id, vmDir, runDir, root, work, undo);
      String ip = "user".equals(resources.network()) ? "" : resources.address().split("/")[0];
      VmView view =
          new VmView(
              id,
              name,
              "created",
              "",
              image.name(),
              kernel.name(),
              vmm,
              cpus,
              memory,
              disk,
              ip,
              resources.diskStrategy(),
              0,
              "",
              List.of());
      vms.insert(view, resources.mac(), resources);
      vms.event(
          id,
          "created from image "
              + image.name()
              + " ("
              + resources.diskStrategy()
              + " root disk, "
              + resources.network()
              + " network)");
      return show(id);
    } catch (Exception e) {
      unwind(undo, id);
      throw e;
    }
  }

  private PreparedRoot rootDisk(
      String id, ImageView image, String vmm, Path vmDir, Deque<Undo> undo)
      throws DiskException, IOException {
    PreparedBases.Base base = bases.prepare(image);
    Optional<Path> qemuImg = QemuDriver.NAME.equals(vmm) ? host.qemuImg() : Optional.empty();
    RootDisk root =
        qemuImg.isPresent()
            ? new Qcow2Overlay(CommandRunner.onHost(), qemuImg.get()).create(base.path(), vmDir, id)
            : rootDisks.create(base.path(), vmDir, id);
    undo.push(() -> rootDisks.destroy(root));
    if (base.setup().agentInstalled()) {
      LOG.info(
          "image {} has no guest agent: VM {} boots with the one banger installed{}",
          image.name(),
          id,
          base.setup().init().map(init -> " as its init").orElse(" with a systemd unit"));
    }
    return new PreparedRoot(root, base);
  }

  /** A root disk made from its image's prepared base. */
  private record PreparedRoot(RootDisk disk, PreparedBases.Base base) {}

  private WorkDisk workDisk(ImageView image, Path vmDir, long disk, Deque<Undo> undo)
      throws DiskException {
    Optional<Path> seed =
        image.workSeed().isEmpty() ? Optional.empty() : Optional.of(Path.of(image.workSeed()));
    WorkDisk work = workDisks.create(vmDir, seed, disk);
    undo.push(() -> workDisks.destroy(work));
    return work;
  }

  /** The value of a finished step, or the exception it threw rather than a wrapper of it. */
  private static <T> T outcome(Future<T> step) throws Exception {
    try {
      return step.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  private VmResources network(
      String id, Path vmDir, Path runDir, PreparedRoot prepared, WorkDisk work, Deque<Undo> undo)
      throws Exception {
    RootDisk root = prepared.disk();
    String init = prepared.base().setup().init().orElse("");
    // Overlays and snapshots read their base for as long as they live; copies do not.
    boolean needsBase =
        root.strategy() == CowStrategy.QCOW2_OVERLAY || root.strategy() == CowStrategy.DM_SNAPSHOT;
    String base = needsBase ? prepared.base().path().toString() : "";
    String strategy = strategyName(root.strategy());
    Optional<BridgedNetwork> bridged = host.bridged();
    if (bridged.isPresent()) {
      bridged.get().ensureHostSide();
      VmNetwork net = bridged.get().connect(id, addresses, 0);
      undo.push(() -> bridged.get().disconnect(id, addresses));
      String cidr = net.bootParameters().getFirst().substring("banger.ip=".length());
      return new VmResources(
          vmDir.toString(),
          runDir.toString(),
          root.path().toString(),
          strategy,
          work.path().toString(),
          "bridge",
          net.tapName(),
          net.mac().toString(),
          cidr,
          net.subnet().gateway().toString(),
          net.address().toString(),
          22,
          init,
          base);
    }
    UserModeNetwork user = UserModeNetwork.allocate();
    return new VmResources(
        vmDir.toString(),
        runDir.toString(),
        root.path().toString(),
        strategy,
        work.path().toString(),
        "user",
        "",
        MacAddress.forVm(id).toString(),
        UserModeNetwork.GUEST_ADDRESS,
        UserModeNetwork.GATEWAY,
        "127.0.0.1",
        user.sshPort(),
        init,
        base);
  }

  /** Starts a VM that is created, stopped, crashed or failed; returns it in {@code starting}. */
  public VmView start(String ref) throws Exception {
    VmView vm = show(ref);
    synchronized (lock(vm.id())) {
      vm = show(vm.id());
      if (!List.of("created", "stopped", "crashed", "failed").contains(vm.state())) {
        throw ApiException.conflict(
            "VM '"
                + vm.name()
                + "' is "
                + vm.state()
                + "; only a created, stopped, crashed or failed VM can be started");
      }
      VmResources r = vms.resources(vm.id());
      KernelView kernel = kernels.show(vm.kernel());
      vms.state(vm.id(), "starting", "");
      VmmProcess process;
      try {
        VmmDriver driver = host.driver(vm.vmm());
        process = driver.start(spec(vm, r, kernel));
      } catch (Exception e) {
        vms.state(vm.id(), "failed", "the VMM did not start: " + e.getMessage());
        vms.event(vm.id(), "start failed: " + e.getMessage());
        throw new ApiException(
            ErrorCode.INTERNAL, "starting VM '" + vm.name() + "' failed: " + e.getMessage(), e);
      }
      vms.runtime(vm.id(), process.pid(), Json.MAPPER.writeValueAsString(process.state()));
      vms.event(
          vm.id(),
          "started "
              + vm.vmm()
              + " (pid "
              + process.pid()
              + ", "
              + host.accel().name().toLowerCase(java.util.Locale.ROOT)
              + ")");
      LOG.info("VM {} started: {} pid {}", vm.name(), vm.vmm(), process.pid());
      watch(vm.id(), process);
      agents.awaitReady(vm.id(), vm.name(), process, r);
      return show(vm.id());
    }
  }

  private VmmSpec spec(VmView vm, VmResources r, KernelView kernel) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "root=/dev/vda",
                "rw",
                "rootfstype=ext4",
                "banger.work=/dev/vdb",
                "banger.ip=" + r.address(),
                "banger.gw=" + r.gateway(),
                "banger.dns=" + ("user".equals(r.network()) ? UserModeNetwork.DNS : config.dns()),
                "banger.hostname=" + vm.name(),
                "banger.vm=" + vm.id()));
    if (r.init() != null && !r.init().isEmpty()) {
      // An image without systemd runs the agent banger installed as its init (GuestSetup).
      args.add("init=" + r.init());
    }
    boolean firecracker = "firecracker".equals(vm.vmm());
    args.add(firecracker ? "banger.agent=vsock" : "banger.agent=serial");
    Path kernelImage =
        firecracker || kernel.bzImage().isEmpty()
            ? Path.of(kernel.vmlinux())
            : Path.of(kernel.bzImage());
    VmmSpec.Builder b =
        VmmSpec.builder(vm.id())
            .vcpus(vm.cpus())
            .memoryMib(vm.memoryMib())
            .kernel(kernelImage)
            .kernelArgs(args)
            .rootDisk(
                Path.of(r.rootDisk()),
                strategyOf(r.diskStrategy()) == CowStrategy.QCOW2_OVERLAY
                    ? VmmSpec.DiskFormat.QCOW2
                    : VmmSpec.DiskFormat.RAW)
            .extraDisk(new VmmSpec.Disk("work", Path.of(r.workDisk()), false))
            .runtimeDir(Path.of(r.runtimeDir()))
            .serialLog(Path.of(r.vmDir(), "console.log"))
            .accel(host.accel())
            .vmmBinary(host.vmmBinary(vm.vmm()));
    if (!kernel.initrd().isEmpty()) {
      b.initrd(Path.of(kernel.initrd()));
    }
    if (firecracker) {
      b.vsock(new VmmSpec.Vsock(guestCid(vm.id()), AGENT_VSOCK_PORT));
      host.jailer(runtimeVmsDir.resolve("jail")).ifPresent(b::jailer);
    }
    dev.banger.vmm.MacAddress mac =
        new dev.banger.vmm.MacAddress(MacAddress.forVm(vm.id()).toString());
    if ("user".equals(r.network())) {
      b.network(
          new VmmSpec.UserMode(
              mac, List.of(new VmmSpec.PortForward("127.0.0.1", r.sshPort(), 22))));
    } else {
      b.network(new VmmSpec.Tap(r.tap(), mac));
    }
    return b.build();
  }

  /** A guest CID from the VM id: above the reserved 0-2, stable for the VM. */
  static long guestCid(String id) {
    return 3 + Long.parseLong(id.substring(0, 7), 16);
  }

  /** Records the VMM's exit as stopped (expected) or crashed (not), within a second. */
  private void watch(String id, VmmProcess process) {
    processes.put(id, process);
    process.onExit(exit -> exited(id, exit));
  }

  private void exited(String id, ExitInfo exit) {
    processes.remove(id);
    agents.disconnect(id);
    Optional<VmView> vm = vms.find(id);
    if (vm.isEmpty()) {
      return;
    }
    String state = vm.get().state();
    vms.runtime(id, 0, "{}");
    if ("stopping".equals(state)) {
      vms.state(id, "stopped", "");
      vms.event(id, "stopped");
    } else if (!"stopped".equals(state) && !"failed".equals(state)) {
      String reason =
          "the VMM exited unexpectedly ("
              + exit.cause()
              + exit.exitCode().stream().mapToObj(c -> ", status " + c).findFirst().orElse("")
              + ")";
      vms.state(id, "crashed", reason);
      vms.event(id, "crashed: " + reason);
      LOG.warn("VM {} crashed: {}", vm.get().name(), reason);
    }
  }

  /** Stops a running or starting VM gracefully, then by force after the timeout. */
  public VmView stop(String ref, Duration timeout) throws Exception {
    VmView vm = show(ref);
    synchronized (lock(vm.id())) {
      vm = show(vm.id());
      VmmProcess p = processes.get(vm.id());
      if (p == null || !List.of("running", "starting").contains(vm.state())) {
        throw ApiException.conflict(
            "VM '"
                + vm.name()
                + "' is "
                + vm.state()
                + "; only a running or starting VM can be stopped");
      }
      vms.state(vm.id(), "stopping", "");
      vms.event(vm.id(), "stopping (timeout " + timeout.toSeconds() + " s)");
      p.stopGracefully(timeout);
      p.exited().join();
      awaitState(vm.id(), "stopped");
      return show(vm.id());
    }
  }

  /** Kills a VM's VMM at once. */
  public VmView kill(String ref) throws Exception {
    VmView vm = show(ref);
    synchronized (lock(vm.id())) {
      VmmProcess p = processes.get(vm.id());
      if (p == null) {
        throw ApiException.conflict(
            "VM '" + vm.name() + "' is " + vm.state() + "; it has no VMM process to kill");
      }
      vms.state(vm.id(), "stopping", "killed");
      vms.event(vm.id(), "killed");
      p.kill();
      p.exited().join();
      awaitState(vm.id(), "stopped");
      return show(vm.id());
    }
  }

  /** Stops (if running) and starts a VM. */
  public VmView restart(String ref) throws Exception {
    VmView vm = show(ref);
    if (List.of("running", "starting").contains(vm.state())) {
      stop(vm.id(), STOP_TIMEOUT);
    }
    return start(vm.id());
  }

  /** Removes a VM and every host resource it has; refuses a running VM unless forced. */
  public void remove(String ref, boolean force) throws Exception {
    VmView vm = show(ref);
    synchronized (lock(vm.id())) {
      VmmProcess p = processes.get(vm.id());
      if (p != null && p.isAlive()) {
        if (!force) {
          throw ApiException.conflict(
              "VM '" + vm.name() + "' is " + vm.state() + "; stop it first or use -f");
        }
        vms.state(vm.id(), "stopping", "removed");
        p.kill();
        p.exited().join();
      }
      VmResources r = vms.resources(vm.id());
      teardown(vm.id(), r);
      vms.delete(vm.id());
      locks.remove(vm.id());
      LOG.info("VM {} ({}) removed", vm.name(), vm.id());
    }
    collectBases(false);
  }

  /**
   * Removes the prepared bases that no image and no VM needs any more: after a VM or an image is
   * removed, and at daemon start ({@code atStart}, which also clears half-made ones).
   */
  public void collectBases(boolean atStart) {
    Set<Path> inUse = new HashSet<>();
    for (String id : vms.ids()) {
      String base = vms.resources(id).base();
      if (base != null && !base.isEmpty()) {
        inUse.add(Path.of(base));
      }
    }
    bases.collect(images.list(), inUse, atStart);
  }

  private void teardown(String id, VmResources r) throws Exception {
    agents.disconnect(id);
    Deque<Undo> undo = new ArrayDeque<>();
    undo.push(() -> FileTrees.deleteTree(Path.of(r.vmDir())));
    undo.push(() -> FileTrees.deleteTree(Path.of(r.runtimeDir())));
    undo.push(() -> workDisks.destroy(new WorkDisk(Path.of(r.workDisk()), 0, Optional.empty())));
    undo.push(() -> rootDisks.destroy(rootDiskOf(id, r)));
    if ("bridge".equals(r.network())) {
      host.bridged().ifPresent(b -> undo.push(() -> b.disconnect(id, addresses)));
    }
    addresses.release(id);
    unwind(undo, id);
  }

  private static RootDisk rootDiskOf(String id, VmResources r) {
    // A snapshot's devices are not recorded; its file paths are removed like a copy's.
    CowStrategy s = strategyOf(r.diskStrategy());
    return new RootDisk(
        id,
        Path.of(r.rootDisk()),
        s == CowStrategy.DM_SNAPSHOT ? CowStrategy.SPARSE_COPY : s,
        Optional.empty());
  }

  /** The name a strategy has in the API ({@code VmView.diskStrategy}) and the store. */
  private static String strategyName(CowStrategy strategy) {
    return switch (strategy) {
      case DM_SNAPSHOT -> "dm-snapshot";
      case REFLINK -> "reflink";
      case SPARSE_COPY -> "sparse-copy";
      case QCOW2_OVERLAY -> "qcow2-overlay";
    };
  }

  private static CowStrategy strategyOf(String name) {
    for (CowStrategy strategy : CowStrategy.values()) {
      if (strategyName(strategy).equals(name)) {
        return strategy;
      }
    }
    return CowStrategy.SPARSE_COPY;
  }

  /**
   * Re-adopts VMs whose VMM still runs after a daemon restart (pid and control socket checked) and
   * marks those whose VMM vanished as crashed.
   */
  public void adoptAfterRestart() {
    for (String id : vms.idsIn("starting", "running", "stopping")) {
      VmView vm = show(id);
      try {
        VmmState state = Json.MAPPER.readValue(vms.runtime(id), VmmState.class);
        VmmProcess p = host.driver(vm.vmm()).adopt(state);
        watch(id, p);
        vms.event(id, "re-adopted by a restarted daemon (pid " + p.pid() + ")");
        LOG.info("VM {} re-adopted (pid {})", vm.name(), p.pid());
        agents.awaitReady(id, vm.name(), p, vms.resources(id));
      } catch (Exception e) {
        vms.runtime(id, 0, "{}");
        vms.state(id, "crashed", "its VMM vanished while the daemon was down");
        vms.event(id, "crashed: VMM gone after daemon restart (" + e.getMessage() + ")");
        LOG.warn("VM {} could not be re-adopted: {}", vm.name(), e.getMessage());
      }
    }
  }

  /**
   * Removes what VMs this daemon does not know left behind: loop devices and directories under its
   * own state and runtime directories, and, for the system daemon only, tagged TAP devices. TAPs
   * carry only the VM id, so a daemon on a private state directory (tests, a second installation)
   * cannot tell another daemon's TAPs from leftovers and leaves them alone.
   */
  public void reapLeftovers(boolean systemDaemon) {
    Set<String> live = new HashSet<>(vms.ids());
    try {
      new dev.banger.disk.DiskReaper(CommandRunner.onHost())
          .reap(vmsDir, live)
          .forEach(r -> LOG.info("reaped {}", r));
      if (systemDaemon && dev.banger.hostos.Privileges.canAdministerNetwork()) {
        new dev.banger.network.NetworkReaper(CommandRunner.onHost())
            .reap(live)
            .forEach(r -> LOG.info("reaped TAP {}", r));
      }
      for (Path dir : List.of(vmsDir, runtimeVmsDir)) {
        if (Files.isDirectory(dir)) {
          try (var entries = Files.list(dir)) {
            for (Path vmDir : entries.toList()) {
              if (!live.contains(vmDir.getFileName().toString())
                  && vmDir.getFileName().toString().matches("[0-9a-f]{16}")) {
                FileTrees.deleteTree(vmDir);
                LOG.info("reaped leftover directory {}", vmDir);
              }
            }
          }
        }
      }
    } catch (IOException e) {
      LOG.warn("reaping leftovers of removed VMs failed", e);
    }
    collectBases(true);
  }

  /** The running agent client of a VM, waiting (bounded) for it to be ready. */
  public AgentClient agent(String ref, Duration timeout) throws Exception {
    VmView vm = show(ref);
    if (!List.of("running", "starting").contains(vm.state())) {
      throw ApiException.conflict("VM '" + vm.name() + "' is " + vm.state() + "; start it first");
    }
    return agents.client(vm.id(), timeout);
  }

  /** Waits until the VM is running (its agent answered) or fails, bounded by {@code timeout}. */
  public VmView waitReady(String ref, Duration timeout) throws Exception {
    VmView vm = show(ref);
    agents.ready(vm.id(), timeout);
    return show(vm.id());
  }

  private void awaitState(String id, String state) throws InterruptedException {
    for (int i = 0; i < 200 && !state.equals(show(id).state()); i++) {
      Thread.sleep(10);
    }
  }

  private Object lock(String id) {
    return locks.computeIfAbsent(id, k -> new Object());
  }

  private String chooseName(String requested) {
    if (requested == null) {
      return names.next(vms::nameTaken);
    }
    if (!NameGenerator.isValid(requested)) {
      throw ApiException.badRequest(
          "invalid VM name '"
              + requested
              + "': use lowercase letters,"
              + " digits and dashes, starting and ending with a letter or digit");
    }
    if (vms.nameTaken(requested)) {
      throw ApiException.conflict("a VM named '" + requested + "' already exists");
    }
    return requested;
  }

  static long parseDisk(String text) {
    try {
      return ByteSize.parse(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid --disk: " + e.getMessage());
    }
  }

  static void validateSizes(int cpus, int memoryMib, long diskBytes) {
    if (cpus < 1 || cpus > 32) {
      throw ApiException.badRequest("invalid --cpus " + cpus + ": use 1 to 32");
    }
    if (memoryMib < 128) {
      throw ApiException.badRequest(
          "invalid --memory " + memoryMib + "M: a VM needs at least" + " 128M");
    }
    if (diskBytes < WorkDiskFactory.MIN_SIZE_BYTES) {
      throw ApiException.badRequest(
          "invalid --disk " + ByteSize.format(diskBytes) + ": the work disk needs at least 64M");
    }
  }

  private static void unwind(Deque<Undo> undo, String id) {
    while (!undo.isEmpty()) {
      try {
        undo.pop().run();
      } catch (Exception e) {
        LOG.warn("cleaning up after VM {} failed at one step", id, e);
      }
    }
  }

  @Override
  public void close() {
    agents.close();
    host.close();
  }

  /** One step that removes something a create made. */
  @FunctionalInterface
  private interface Undo {
    void run() throws Exception;
  }
}
