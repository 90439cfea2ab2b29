package dev.banger.daemon.vm;

import dev.banger.daemon.config.Config;
import dev.banger.daemon.doctor.Doctor;
import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.Privileges;
import dev.banger.network.BridgedNetwork;
import dev.banger.network.Nat;
import dev.banger.network.NetworkException;
import dev.banger.network.NetworkSettings;
import dev.banger.network.Subnet;
import dev.banger.vmm.VmmDriver;
import dev.banger.vmm.VmmException;
import dev.banger.vmm.VmmSpec;
import dev.banger.vmm.firecracker.FirecrackerDriver;
import dev.banger.vmm.qemu.QemuDriver;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What this host offers VMs, decided once per daemon: which VMM and accelerator to use, and whether
 * VMs get bridged networking (root or CAP_NET_ADMIN) or QEMU user-mode networking. Thread-safe
 * after construction.
 */
final class VmHost implements AutoCloseable {
  private final java.util.Map<String, VmmDriver> drivers = new java.util.HashMap<>();
  private final Config config;

  /**
   * Whether KVM really runs guests, probed on first use: the probe starts a child JVM, which would
   * otherwise delay every daemon start (and so the CLI's first call) by half a second.
   */
  private Boolean kvmUsable;

  private final Optional<BridgedNetwork> bridged;

  VmHost(Config config) throws NetworkException {
    this.config = config;
    this.bridged =
        Privileges.canAdministerNetwork() && Nat.installedBackend().isPresent()
            ? Optional.of(
                new BridgedNetwork(
                    CommandRunner.onHost(),
                    new NetworkSettings(config.bridgeName(), Subnet.parse(config.networkSubnet())),
                    new Nat(CommandRunner.onHost())))
            : Optional.empty();
  }

  /** The VMM for a VM: its own request, else the config, else what the host can run. */
  String vmm(String requested) {
    String wanted = requested != null ? requested : config.vmm();
    if (!"auto".equals(wanted)) {
      return wanted;
    }
    boolean firecracker =
        dev.banger.hostos.CommandRunner.onPath(config.firecrackerBin())
            || config.firecrackerBin().contains("/");
    return kvmUsable() && firecracker ? "firecracker" : QemuDriver.NAME;
  }

  private synchronized boolean kvmUsable() {
    if (kvmUsable == null) {
      kvmUsable = "ok".equals(new Doctor(config, Path.of("/"), Privileges.isRoot()).kvm().status());
    }
    return kvmUsable;
  }

  VmmSpec.Accel accel() {
    return kvmUsable() ? VmmSpec.Accel.KVM : VmmSpec.Accel.TCG;
  }

  Optional<BridgedNetwork> bridged() {
    return bridged;
  }

  /** The driver for {@code vmm}, made once and shared by every VM of this daemon. */
  synchronized VmmDriver driver(String vmm) throws VmmException {
    VmmDriver d = drivers.get(vmm);
    if (d == null) {
      d =
          switch (vmm) {
            case QemuDriver.NAME -> new QemuDriver();
            case FirecrackerDriver.NAME ->
                new FirecrackerDriver(FirecrackerDriver.Timeouts.defaults());
            default ->
                throw new dev.banger.daemon.http.ApiException(
                    dev.banger.api.ErrorCode.BAD_REQUEST,
                    "unknown VMM '" + vmm + "': use firecracker or qemu");
          };
      drivers.put(vmm, d);
    }
    return d;
  }

  /** Firecracker's jailer, when {@code jailer_bin} is configured: the VMM runs as root. */
  Optional<VmmSpec.Jailer> jailer(Path chrootBase) {
    return config
        .jailerBin()
        .map(
            bin ->
                new VmmSpec.Jailer(
                    bin.contains("/") ? Path.of(bin) : findOnPath(bin), 0, 0, chrootBase));
  }

  @Override
  public synchronized void close() {
    drivers.values().forEach(VmmDriver::close);
    drivers.clear();
  }

  /** QEMU's {@code qemu-img}, for root disks that are qcow2 overlays; empty when missing. */
  Optional<Path> qemuImg() {
    return dev.banger.disk.Qcow2Overlay.findQemuImg(vmmBinary(QemuDriver.NAME));
  }

  Path vmmBinary(String vmm) {
    String bin = QemuDriver.NAME.equals(vmm) ? config.qemuBin() : config.firecrackerBin();
    return bin.contains("/") ? Path.of(bin) : findOnPath(bin);
  }

  private static Path findOnPath(String name) {
    return CommandRunner.findOnPath(name).orElse(Path.of("/usr/bin", name));
  }
}
