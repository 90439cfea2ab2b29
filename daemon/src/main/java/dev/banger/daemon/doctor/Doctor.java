package dev.banger.daemon.doctor;

import dev.banger.api.DoctorCheck;
import dev.banger.api.DoctorReport;
import dev.banger.daemon.config.Config;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Host readiness checks with real probes: KVM must run a guest, QEMU must offer the microvm
 * machine, a TAP device must be creatable, a reflink must succeed in the state directory. Each
 * check says what it found and what to do. Thread-safe (stateless but for its inputs).
 */
public final class Doctor {
  private static final Duration SHORT = Duration.ofSeconds(5);
  private static final long GIB = 1L << 30;

  private final Config config;
  private final Path stateDir;
  private final boolean root;

  /** A doctor for {@code config}, checking {@code stateDir}, running as root or not. */
  public Doctor(Config config, Path stateDir, boolean root) {
    this.config = config;
    this.stateDir = stateDir;
    this.root = root;
  }

  /** Runs every check and decides the VMM, accelerator and disk strategy. */
  public DoctorReport run() {
    List<DoctorCheck> checks = new ArrayList<>();
    DoctorCheck kvm = kvm();
    checks.add(kvm);
    DoctorCheck firecracker = firecracker();
    checks.add(firecracker);
    checks.add(jailer());
    DoctorCheck qemu = qemu();
    checks.add(qemu);
    DoctorCheck qemuImg = qemuImg();
    checks.add(qemuImg);
    checks.add(privileges());
    checks.add(tun());
    checks.add(bridge());
    checks.add(nat());
    DoctorCheck dm = deviceMapper();
    checks.add(dm);
    checks.add(loopDevices());
    DoctorCheck reflink = reflink();
    checks.add(reflink);
    checks.add(freeDisk());
    checks.add(mkfs());
    checks.add(
        tool(
            "debootstrap",
            "debootstrap",
            "--version",
            false,
            "apt-get install debootstrap (needed to build the golden image from its recipe)"));
    checks.add(tool("ssh", "ssh", "-V", true, "apt-get install openssh-client"));
    checks.add(
        tool(
            "apt-get",
            "apt-get",
            "--version",
            false,
            "a Debian-family host is needed to build kernels and images from their recipes"));

    boolean kvmUsable = DoctorCheck.OK.equals(kvm.status());
    boolean fcUsable = kvmUsable && DoctorCheck.OK.equals(firecracker.status());
    String vmm = chooseVmm(fcUsable, DoctorCheck.OK.equals(qemu.status()));
    checks.add(
        vmmCheck(
            vmm,
            kvmUsable,
            DoctorCheck.OK.equals(firecracker.status()),
            DoctorCheck.OK.equals(qemu.status())));
    String strategy =
        "qemu".equals(vmm) && DoctorCheck.OK.equals(qemuImg.status())
            ? "qcow2-overlay"
            : DoctorCheck.OK.equals(dm.status()) && root
                ? "dm-snapshot"
                : DoctorCheck.OK.equals(reflink.status()) ? "reflink" : "sparse-copy";
    return new DoctorReport(checks, vmm, kvmUsable ? "kvm" : "tcg", strategy);
  }

  private String chooseVmm(boolean firecrackerUsable, boolean qemuUsable) {
    return switch (config.vmm()) {
      case "firecracker" -> "firecracker";
      case "qemu" -> "qemu";
      default -> firecrackerUsable || !qemuUsable ? "firecracker" : "qemu";
    };
  }

  private DoctorCheck vmmCheck(
      String vmm, boolean kvmUsable, boolean firecrackerFound, boolean qemuFound) {
    if ("firecracker".equals(vmm) && !firecrackerFound) {
      return fail(
          "vmm",
          "no usable VMM: firecracker not found"
              + (qemuFound ? "" : " and QEMU with microvm not found"),
          "apt-get install qemu-system-x86, or install firecracker on a KVM host");
    }
    if ("firecracker".equals(vmm) && !kvmUsable) {
      return fail(
          "vmm",
          "firecracker selected but KVM is not usable",
          "set vmm = \"qemu\" or \"auto\" in config.toml, or run on a host with working KVM");
    }
    if ("qemu".equals(vmm) && !qemuFound) {
      return fail(
          "vmm",
          "qemu selected but QEMU with the microvm machine is not found",
          "apt-get install qemu-system-x86");
    }
    String how = "qemu".equals(vmm) && !kvmUsable ? " with software emulation (TCG)" : " with KVM";
    return ok("vmm", vmm + how, true);
  }

  /** The KVM check alone: whether KVM really runs guests here. */
  public DoctorCheck kvm() {
    Path dev = Path.of("/dev/kvm");
    if (!Files.exists(dev)) {
      return warn(
          "kvm",
          "/dev/kvm is missing: QEMU will use software emulation",
          "enable virtualisation in the firmware and load kvm_intel or kvm_amd");
    }
    if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
      return warn(
          "kvm",
          "/dev/kvm is present but not accessible to this user",
          "add yourself to the kvm group, or run banger as root");
    }
    Optional<String> unsupported = unsupportedKvmImplementation();
    if (unsupported.isPresent()) {
      return warn(
          "kvm",
          "present but unusable: QEMU will use software emulation (" + unsupported.get() + ")",
          "run banger on a host whose CPU exposes VT-x or AMD-V (bare metal, or a VM with"
              + " nested virtualisation enabled)");
    }
    List<String> argv =
        List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            KvmProbe.class.getName());
    HostCommand.Result r = HostCommand.run(Duration.ofSeconds(10), argv);
    if (r.ok()) {
      return ok("kvm", "usable: a test guest ran and halted", false);
    }
    return warn(
        "kvm",
        "present but unusable: QEMU will use software emulation (" + r.firstLine() + ")",
        "on a VM host, enable nested virtualisation; otherwise check dmesg for KVM errors");
  }

  /**
   * Why the loaded KVM cannot run standard guest kernels, if it cannot: a CPU without VT-x or AMD-V
   * whose KVM is the PVM module runs only guest kernels built for PVM.
   */
  static Optional<String> unsupportedKvmImplementation() {
    boolean hardware = cpuFlags().contains("vmx") || cpuFlags().contains("svm");
    boolean pvm = Files.isDirectory(Path.of("/sys/module/kvm_pvm"));
    if (!hardware && pvm) {
      return Optional.of(
          "KVM here is kvm_pvm without VT-x/AMD-V in the CPU; it runs only"
              + " PVM-enabled guest kernels, and a standard kernel hangs early in boot");
    }
    return Optional.empty();
  }

  private static List<String> cpuFlags() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("flags"))
          .findFirst()
          .map(l -> List.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
          .orElse(List.of());
    } catch (IOException e) {
      return List.of();
    }
  }

  private DoctorCheck firecracker() {
    Optional<Path> bin = HostCommand.which(config.firecrackerBin());
    if (bin.isEmpty()) {
      return warn(
          "firecracker",
          "not found ('" + config.firecrackerBin() + "')",
          "install firecracker on PATH or set firecracker_bin; QEMU is used meanwhile");
    }
    HostCommand.Result r = HostCommand.run(SHORT, bin.get().toString(), "--version");
    return r.ok()
        ? ok("firecracker", bin.get() + ": " + r.firstLine(), false)
        : warn(
            "firecracker",
            bin.get() + " --version failed: " + r.firstLine(),
            "reinstall firecracker");
  }

  private DoctorCheck jailer() {
    if (config.jailerBin().isEmpty()) {
      return ok("jailer", "not configured (firecracker runs without the jailer)", false);
    }
    Optional<Path> bin = HostCommand.which(config.jailerBin().get());
    return bin.isPresent()
        ? ok("jailer", bin.get().toString(), false)
        : fail(
            "jailer",
            "jailer_bin '" + config.jailerBin().get() + "' not found",
            "install the jailer or remove jailer_bin from config.toml");
  }

  private DoctorCheck qemu() {
    Optional<Path> bin = HostCommand.which(config.qemuBin());
    if (bin.isEmpty()) {
      return warn(
          "qemu",
          "not found ('" + config.qemuBin() + "')",
          "apt-get install qemu-system-x86 (needed where Firecracker or KVM is unavailable)");
    }
    HostCommand.Result version = HostCommand.run(SHORT, bin.get().toString(), "--version");
    HostCommand.Result machines = HostCommand.run(SHORT, bin.get().toString(), "-machine", "help");
    if (!machines.ok() || !machines.output().contains("microvm")) {
      return warn("qemu", bin.get() + " has no microvm machine", "install QEMU 4.2 or newer");
    }
    return ok("qemu", bin.get() + ": " + version.firstLine() + ", microvm machine", false);
  }

  /** QEMU VMs' root disks are qcow2 overlays when qemu-img is there (no copy at create). */
  private DoctorCheck qemuImg() {
    Optional<Path> qemu = HostCommand.which(config.qemuBin());
    Optional<Path> bin =
        dev.banger.disk.Qcow2Overlay.findQemuImg(qemu.orElse(Path.of(config.qemuBin())));
    if (bin.isEmpty()) {
      return warn(
          "qemu-img",
          "not found: QEMU VMs get copies of their image as root disks",
          "apt-get install qemu-utils (QEMU root disks become qcow2 overlays, made in"
              + " milliseconds)");
    }
    HostCommand.Result version = HostCommand.run(SHORT, bin.get().toString(), "--version");
    return ok(
        "qemu-img",
        bin.get() + ": " + version.firstLine() + ", QEMU root disks are qcow2 overlays",
        false);
  }

  private DoctorCheck privileges() {
    if (root) {
      return ok("root", "running as root", false);
    }
    HostCommand.Result sudo = HostCommand.run(SHORT, "sudo", "-n", "true");
    return sudo.ok()
        ? ok("root", "passwordless sudo available", false)
        : warn(
            "root",
            "not root and no passwordless sudo",
            "TAP networking, loop devices and image builds need root: run bangerd as root;"
                + " without it VMs use QEMU user-mode networking");
  }

  private DoctorCheck tun() {
    if (!Files.exists(Path.of("/dev/net/tun"))) {
      return warn("tun", "/dev/net/tun is missing", "modprobe tun");
    }
    if (!root) {
      return warn("tun", "/dev/net/tun present; creating a TAP needs root", "run bangerd as root");
    }
    String name = "bgr-probe" + ProcessHandle.current().pid() % 10000;
    HostCommand.Result add =
        HostCommand.run(SHORT, "ip", "tuntap", "add", "dev", name, "mode", "tap");
    HostCommand.run(SHORT, "ip", "link", "del", name);
    return add.ok()
        ? ok("tun", "/dev/net/tun works: created and removed a TAP device", false)
        : warn(
            "tun",
            "cannot create a TAP device: " + add.firstLine(),
            "modprobe tun and check that iproute2 is installed");
  }

  private DoctorCheck bridge() {
    if (Files.isDirectory(Path.of("/sys/module/bridge"))) {
      return ok("bridge", "bridge support loaded", false);
    }
    if (!root) {
      return warn("bridge", "bridge module not loaded", "modprobe bridge (as root)");
    }
    String name = "bgr-probe-br";
    HostCommand.Result add = HostCommand.run(SHORT, "ip", "link", "add", name, "type", "bridge");
    HostCommand.run(SHORT, "ip", "link", "del", name);
    return add.ok()
        ? ok("bridge", "bridge devices can be created", false)
        : warn("bridge", "cannot create a bridge: " + add.firstLine(), "modprobe bridge");
  }

  private DoctorCheck nat() {
    if (HostCommand.which("nft").isPresent()) {
      return ok(
          "nat",
          "nftables (" + HostCommand.run(SHORT, "nft", "--version").firstLine() + ")",
          false);
    }
    if (HostCommand.which("iptables").isPresent()) {
      return ok("nat", "iptables", false);
    }
    return warn(
        "nat",
        "neither nft nor iptables found",
        "apt-get install nftables (VMs on the bridge need NAT to reach the network)");
  }

  private DoctorCheck deviceMapper() {
    boolean control = Files.exists(Path.of("/dev/mapper/control"));
    boolean dmsetup = HostCommand.which("dmsetup").isPresent();
    if (control && dmsetup) {
      return ok("device-mapper", "available: VM disks are dm snapshots", false);
    }
    String why = control ? "dmsetup not found" : "missing (/dev/mapper/control absent)";
    return warn(
        "device-mapper",
        why + ": VM disks use reflink or sparse copies",
        control ? "apt-get install dmsetup" : "modprobe dm_snapshot, or ignore: copies work");
  }

  private DoctorCheck loopDevices() {
    boolean control = Files.exists(Path.of("/dev/loop-control"));
    boolean losetup = HostCommand.which("losetup").isPresent();
    return control && losetup
        ? ok("loop", "/dev/loop-control and losetup present", false)
        : warn("loop", "loop devices unavailable", "modprobe loop; apt-get install mount");
  }

  private DoctorCheck reflink() {
    Path dir = existingAncestor(stateDir);
    Path a = null;
    Path b = null;
    try {
      a = Files.createTempFile(dir, ".reflink-probe", ".a");
      b = dir.resolve(a.getFileName() + ".b");
      Files.writeString(a, "banger reflink probe");
      HostCommand.Result r =
          HostCommand.run(SHORT, "cp", "--reflink=always", a.toString(), b.toString());
      return r.ok()
          ? ok("reflink", dir + " supports reflink clones", false)
          : warn(
              "reflink",
              dir + " cannot make reflink clones: VM disks are sparse copies",
              "put the state directory on xfs or btrfs for instant VM disks");
    } catch (IOException e) {
      return warn(
          "reflink",
          "cannot probe " + dir + ": " + e.getMessage(),
          "check permissions of the state directory");
    } finally {
      deleteQuietly(a);
      deleteQuietly(b);
    }
  }

  private DoctorCheck freeDisk() {
    Path dir = existingAncestor(stateDir);
    try {
      FileStore store = Files.getFileStore(dir);
      long free = store.getUsableSpace();
      String detail = (free / GIB) + " GiB free in " + dir;
      if (free >= 10 * GIB) {
        return ok("disk", detail, true);
      }
      return free >= 2 * GIB
          ? warn("disk", detail, "images need several GiB: free some space")
          : fail("disk", detail, "free at least 2 GiB for one image and a VM");
    } catch (IOException e) {
      return fail(
          "disk",
          "cannot read free space of " + dir + ": " + e.getMessage(),
          "check that the state directory is on a mounted filesystem");
    }
  }

  private DoctorCheck mkfs() {
    if (HostCommand.which("mkfs.ext4").isEmpty()) {
      return fail("mkfs.ext4", "not found", "apt-get install e2fsprogs");
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("banger-mkfs-probe");
      Path content = Files.createDirectory(dir.resolve("content"));
      Files.writeString(content.resolve("probe"), "banger");
      Path image = dir.resolve("probe.ext4");
      HostCommand.Result r =
          HostCommand.run(
              SHORT, "mkfs.ext4", "-q", "-F", "-d", content.toString(), image.toString(), "4M");
      return r.ok()
          ? ok("mkfs.ext4", "mkfs.ext4 -d builds populated images", true)
          : fail(
              "mkfs.ext4",
              "mkfs.ext4 -d failed: " + r.firstLine(),
              "install e2fsprogs 1.43 or newer");
    } catch (IOException e) {
      return fail("mkfs.ext4", "cannot probe: " + e.getMessage(), "check /tmp");
    } finally {
      deleteTree(dir);
    }
  }

  private static DoctorCheck tool(
      String name, String bin, String flag, boolean required, String remedy) {
    Optional<Path> path = HostCommand.which(bin);
    if (path.isEmpty()) {
      return required ? fail(name, "not found", remedy) : warn(name, "not found", remedy);
    }
    HostCommand.Result r = HostCommand.run(SHORT, path.get().toString(), flag);
    String version = r.firstLine().isEmpty() ? "present" : r.firstLine();
    return ok(name, path.get() + ": " + version, required);
  }

  private static Path existingAncestor(Path p) {
    Path cur = p.toAbsolutePath();
    while (cur != null && !Files.isDirectory(cur)) {
      cur = cur.getParent();
    }
    return cur == null ? Path.of("/") : cur;
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // A probe file left in a temp or state dir is harmless; the check result stands.
      }
    }
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(Doctor::deleteQuietly);
    } catch (IOException e) {
      // Same as deleteQuietly: the probe's verdict does not depend on its cleanup.
    }
  }

  private static DoctorCheck ok(String name, String detail, boolean required) {
    return new DoctorCheck(name, DoctorCheck.OK, detail, "", required);
  }

  private static DoctorCheck warn(String name, String detail, String remedy) {
    return new DoctorCheck(name, DoctorCheck.WARN, detail, remedy, false);
  }

  private static DoctorCheck fail(String name, String detail, String remedy) {
    return new DoctorCheck(name, DoctorCheck.FAIL, detail, remedy, true);
  }
}
