package dev.banger.vmm.qemu;

import dev.banger.vmm.MacAddress;
import dev.banger.vmm.VmmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Builds the argument list of {@code qemu-system-x86_64} for a {@code microvm} guest. Every device
 * is a virtio-mmio device, which Debian's kernels find through ACPI (they lack {@code
 * virtio_mmio.device=} command line support), so ACPI stays on.
 *
 * <p>Immutable, so thread-safe; the {@link Builder} is not.
 */
public final class QemuCommandLine {
  private static final Pattern QEMU_ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,127}");

  private final List<String> arguments;

  private QemuCommandLine(List<String> arguments) {
    this.arguments = List.copyOf(arguments);
  }

  /** Starts a command line for the given QEMU binary. */
  public static Builder builder(Path qemuBinary) {
    return new Builder(qemuBinary);
  }

  /** The full command, binary first. */
  public List<String> arguments() {
    return arguments;
  }

  @Override
  public String toString() {
    return String.join(" ", arguments);
  }

  /**
   * Escapes a value for QEMU's {@code key=value,...} option syntax, where a literal comma is
   * written twice.
   */
  static String escape(String value) {
    return value.replace(",", ",,");
  }

  private static String requireId(String id) {
    if (!QEMU_ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "\"" + id + "\" is not a QEMU id: a letter, then letters, digits, '_', '.' or '-'");
    }
    return id;
  }

  /**
   * Collects the parts of a QEMU command line; {@link #build()} puts them in a fixed order.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private final Path binary;
    private String name;
    private VmmSpec.Accel accel = VmmSpec.Accel.TCG;
    private int cpus = 1;
    private int memoryMib = 256;
    private Path kernel;
    private Path initrd;
    private String append = "";
    private final List<VmmSpec.Disk> disks = new ArrayList<>();
    private VmmSpec.Network network;
    private Path agentSocket;
    private Path serialLog;
    private Path qmpSocket;
    private long vsockCid;
    private Path pidFile;
    private boolean paused;

    private Builder(Path binary) {
      this.binary = Objects.requireNonNull(binary, "binary");
    }

    /** The guest name, shown by QEMU and in its command line: banger passes the VM id. */
    public Builder name(String value) {
      this.name = value;
      return this;
    }

    /** KVM or software emulation; also picks the CPU model and the legacy timers. */
    public Builder accel(VmmSpec.Accel value) {
      this.accel = value;
      return this;
    }

    /** The number of vCPUs. */
    public Builder cpus(int value) {
      this.cpus = value;
      return this;
    }

    /** The guest memory in MiB. */
    public Builder memoryMib(int value) {
      this.memoryMib = value;
      return this;
    }

    /** The kernel to boot directly (bzImage or ELF vmlinux). */
    public Builder kernel(Path value) {
      this.kernel = value;
      return this;
    }

    /** The initial ramdisk. */
    public Builder initrd(Path value) {
      this.initrd = value;
      return this;
    }

    /** The full kernel command line. */
    public Builder append(String value) {
      this.append = value;
      return this;
    }

    /** A virtio-blk disk; disks appear in the guest in the order added. */
    public Builder disk(VmmSpec.Disk value) {
      requireId(value.id());
      this.disks.add(value);
      return this;
    }

    /** The virtio-net interface, on a TAP device or on user-mode networking. */
    public Builder network(VmmSpec.Network value) {
      this.network = value;
      return this;
    }

    /** The virtio serial port {@code banger.agent}, served on this Unix socket. */
    public Builder agentSocket(Path value) {
      this.agentSocket = value;
      return this;
    }

    /** The file the serial console (ttyS0) is appended to. */
    public Builder serialLog(Path value) {
      this.serialLog = value;
      return this;
    }

    /** The QMP control socket. */
    public Builder qmpSocket(Path value) {
      this.qmpSocket = value;
      return this;
    }

    /** A vhost-vsock device with this guest CID; needs /dev/vhost-vsock on the host. */
    public Builder vsock(long guestCid) {
      this.vsockCid = guestCid;
      return this;
    }

    /** The file QEMU writes its pid to. */
    public Builder pidFile(Path value) {
      this.pidFile = value;
      return this;
    }

    /** Starts with the vCPUs stopped ({@code -S}) until QMP {@code cont}. */
    public Builder paused() {
      this.paused = true;
      return this;
    }

    /** Assembles the arguments. */
    public QemuCommandLine build() {
      Objects.requireNonNull(kernel, "kernel");
      List<String> args = new ArrayList<>();
      args.add(binary.toString());
      if (name != null) {
        args.addAll(List.of("-name", "guest=" + escape(name)));
      }
      machine(args);
      boot(args);
      disks.forEach(disk -> disk(args, disk));
      if (network != null) {
        network(args, network);
      }
      control(args);
      return new QemuCommandLine(args);
    }

    private void machine(List<String> args) {
      boolean kvm = accel == VmmSpec.Accel.KVM;
      // Without KVM there is no kvm-clock, and the kernel calibrates the TSC against the PIT:
      // with pit=off a TCG guest hangs early ("Unable to calibrate against PIT"). Under KVM the
      // PIT only costs exits, so it goes.
      String pit = kvm ? "off" : "on";
      args.addAll(
          List.of(
              "-M",
              "microvm,x-option-roms=off,pit=" + pit + ",pic=off,rtc=on,acpi=on",
              "-accel",
              kvm ? "kvm" : "tcg",
              "-cpu",
              kvm ? "host" : "max",
              "-smp",
              Integer.toString(cpus),
              "-m",
              memoryMib + "M",
              "-nodefaults",
              "-no-user-config",
              "-nographic",
              // A guest reboot or panic ends QEMU, as it ends Firecracker: the daemon decides
              // whether to start the VM again.
              "-no-reboot"));
    }

    private void boot(List<String> args) {
      args.addAll(List.of("-kernel", kernel.toString()));
      if (initrd != null) {
        args.addAll(List.of("-initrd", initrd.toString()));
      }
      args.addAll(List.of("-append", append));
    }

    private static void disk(List<String> args, VmmSpec.Disk disk) {
      String drive =
          "id="
              + disk.id()
              + ",file="
              + escape(disk.path().toString())
              + ",format="
              + disk.format().name().toLowerCase(Locale.ROOT)
              + ",if=none,discard=unmap"
              + (disk.readOnly() ? ",readonly=on" : "");
      args.addAll(List.of("-drive", drive, "-device", "virtio-blk-device,drive=" + disk.id()));
    }

    private static void network(List<String> args, VmmSpec.Network network) {
      String backend =
          switch (network) {
            case VmmSpec.Tap tap ->
                "tap,id=net0,ifname=" + escape(tap.tapName()) + ",script=no,downscript=no";
            case VmmSpec.UserMode user -> "user,id=net0" + forwards(user);
          };
      MacAddress mac = network.mac();
      args.addAll(
          List.of("-netdev", backend, "-device", "virtio-net-device,netdev=net0,mac=" + mac));
    }

    private static String forwards(VmmSpec.UserMode user) {
      StringBuilder out = new StringBuilder();
      for (VmmSpec.PortForward forward : user.forwards()) {
        String host = forward.hostAddress();
        String bracketed = host.contains(":") ? "[" + host + "]" : host;
        out.append(",hostfwd=tcp:")
            .append(escape(bracketed))
            .append(':')
            .append(forward.hostPort())
            .append("-:")
            .append(forward.guestPort());
      }
      return out.toString();
    }

    private void control(List<String> args) {
      if (serialLog != null) {
        args.addAll(
            List.of(
                "-chardev",
                "file,id=console,append=on,path=" + escape(serialLog.toString()),
                "-serial",
                "chardev:console"));
      }
      if (agentSocket != null) {
        args.addAll(
            List.of(
                "-device",
                "virtio-serial-device",
                "-chardev",
                "socket,id=agent,server=on,wait=off,path=" + escape(agentSocket.toString()),
                "-device",
                "virtserialport,chardev=agent,name=banger.agent"));
      }
      if (vsockCid > 0) {
        args.addAll(List.of("-device", "vhost-vsock-device,guest-cid=" + vsockCid));
      }
      if (qmpSocket != null) {
        args.addAll(
            List.of("-qmp", "unix:" + escape(qmpSocket.toString()) + ",server=on,wait=off"));
      }
      if (pidFile != null) {
        args.addAll(List.of("-pidfile", pidFile.toString()));
      }
      if (paused) {
        args.add("-S");
      }
    }
  }
}
