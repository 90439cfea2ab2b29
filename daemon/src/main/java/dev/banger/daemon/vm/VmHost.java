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
import dev.banger.vmm.VmmSpec;
import dev.banger.vmm.qemu.QemuDriver;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What this host offers VMs, decided once per daemon: which VMM and accelerator to use, and
 * whether VMs get bridged networking (root or CAP_NET_ADMIN) or QEMU user-mode networking.
 * Thread-safe after construction.
 */
final class VmHost {
  private final Config config;
  private final boolean kvmUsable;
  private final Optional<BridgedNetwork> bridged;

  VmHost(Config config) throws NetworkException {
    this.config = config;
    this.kvmUsable = "ok".equals(new Doctor(config, Path.of("/"), Privileges.isRoot()).kvm()
        .status());
    this.bridged = Privileges.canAdministerNetwork() && Nat.installedBackend().isPresent()
        ? Optional.of(new BridgedNetwork(CommandRunner.onHost(),
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
    boolean firecracker = dev.banger.hostos.CommandRunner.onPath(config.firecrackerBin())
        || config.firecrackerBin().contains("/");
    return kvmUsable && firecracker ? "firecracker" : QemuDriver.NAME;
  }

  VmmSpec.Accel accel() {
    return kvmUsable ? VmmSpec.Accel.KVM : VmmSpec.Accel.TCG;
  }

  Optional<BridgedNetwork> bridged() {
    return bridged;
  }

  VmmDriver driver(String vmm) {
    if (QemuDriver.NAME.equals(vmm)) {
      return new QemuDriver();
    }
    throw new dev.banger.daemon.http.ApiException(dev.banger.api.ErrorCode.HOST_UNSUPPORTED,
        "the Firecracker driver is not available in this bangerd; use --vmm qemu");
  }

  Path vmmBinary(String vmm) {
    String bin = QemuDriver.NAME.equals(vmm) ? config.qemuBin() : config.firecrackerBin();
    return bin.contains("/") ? Path.of(bin) : findOnPath(bin);
  }

  private static Path findOnPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path p = Path.of(dir, name);
      if (java.nio.file.Files.isExecutable(p)) {
        return p;
      }
    }
    return Path.of("/usr/bin", name);
  }
}
