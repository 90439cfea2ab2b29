package dev.banger.vmm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything a {@link VmmDriver} needs to spawn, configure and boot one VM. It holds only JDK types
 * so the daemon can build it without knowing either VMM. Drivers add the kernel arguments and
 * devices their VMM itself needs; the values here are banger's.
 *
 * <p>Immutable, so thread-safe. Build one with {@link #builder(String)}.
 *
 * @param vmId the VM id: letters, digits, {@code _} and {@code -}, at most 64 characters
 * @param vcpus number of virtual CPUs, at least 1
 * @param memoryMib guest memory in MiB, at least 1
 * @param kernel the guest kernel (an ELF vmlinux for Firecracker; QEMU also boots a bzImage)
 * @param initrd the initial ramdisk, if the kernel needs one
 * @param kernelArgs banger's kernel command line parameters (see docs/guest-boot-contract.md)
 * @param rootDisk the VM's root disk, attached first ({@code /dev/vda}); empty boots without one
 * @param rootDiskFormat the root disk's format (only QEMU takes {@link DiskFormat#QCOW2})
 * @param extraDisks further disks in order ({@code /dev/vdb}, ...), for example the work disk
 * @param network the guest's network interface, or empty for none
 * @param runtimeDir the VM's runtime directory: control and agent sockets, VMM logs
 * @param serialLog the file the guest's serial console is written to
 * @param vsock the vsock device, or empty for none
 * @param accel the accelerator (Firecracker always needs {@link Accel#KVM})
 * @param vmmBinary the VMM executable: {@code firecracker} or {@code qemu-system-x86_64}
 * @param jailer Firecracker's jailer, when configured ({@code jailer_bin})
 */
public record VmmSpec(
    String vmId,
    int vcpus,
    int memoryMib,
    Path kernel,
    Optional<Path> initrd,
    List<String> kernelArgs,
    Optional<Path> rootDisk,
    DiskFormat rootDiskFormat,
    List<Disk> extraDisks,
    Optional<Network> network,
    Path runtimeDir,
    Path serialLog,
    Optional<Vsock> vsock,
    Accel accel,
    Path vmmBinary,
    Optional<Jailer> jailer) {

  private static final Pattern VM_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** Checks the values that no VMM could accept; VMM-specific limits are left to the VMM. */
  public VmmSpec {
    Objects.requireNonNull(vmId, "vmId");
    if (!VM_ID.matcher(vmId).matches()) {
      throw new IllegalArgumentException(
          "VM id \"" + vmId + "\" must be 1 to 64 letters, digits, '_' or '-'");
    }
    if (vcpus < 1) {
      throw new IllegalArgumentException("VM " + vmId + ": vcpus must be at least 1, not " + vcpus);
    }
    if (memoryMib < 1) {
      throw new IllegalArgumentException(
          "VM " + vmId + ": memory must be at least 1 MiB, not " + memoryMib);
    }
    Objects.requireNonNull(kernel, "kernel");
    Objects.requireNonNull(runtimeDir, "runtimeDir");
    Objects.requireNonNull(serialLog, "serialLog");
    Objects.requireNonNull(accel, "accel");
    Objects.requireNonNull(vmmBinary, "vmmBinary");
    kernelArgs = List.copyOf(kernelArgs);
    extraDisks = List.copyOf(extraDisks);
    Objects.requireNonNull(initrd, "initrd");
    Objects.requireNonNull(rootDisk, "rootDisk");
    Objects.requireNonNull(rootDiskFormat, "rootDiskFormat");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(vsock, "vsock");
    Objects.requireNonNull(jailer, "jailer");
  }

  /** Starts a builder for the VM with this id. */
  public static Builder builder(String vmId) {
    return new Builder(vmId);
  }

  /** How a disk image file is laid out. */
  public enum DiskFormat {
    /** The guest's blocks as they are: every VMM takes it. */
    RAW,
    /** A QEMU copy-on-write overlay on a backing file: QEMU only. */
    QCOW2
  }

  /** Which accelerator the VMM uses. */
  public enum Accel {
    /** Hardware virtualisation through /dev/kvm. */
    KVM,
    /** QEMU's software emulation; slow but works where KVM does not. */
    TCG
  }

  /**
   * A block device given to the guest as virtio-blk.
   *
   * @param id the drive's id (Firecracker allows letters, digits and '_'; QEMU also '-' and '.')
   * @param path the disk image on the host
   * @param readOnly whether the guest may only read it
   * @param format how {@code path} is laid out
   */
  public record Disk(String id, Path path, boolean readOnly, DiskFormat format) {
    /** Rejects an empty id. */
    public Disk {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(format, "format");
      if (id == null || id.isEmpty()) {
        throw new IllegalArgumentException("disk " + path + " needs a non-empty id");
      }
    }

    /** A raw disk image. */
    public Disk(String id, Path path, boolean readOnly) {
      this(id, path, readOnly, DiskFormat.RAW);
    }
  }

  /** The guest's single network interface. */
  public sealed interface Network permits Tap, UserMode {
    /** The guest side MAC address. */
    MacAddress mac();
  }

  /**
   * A TAP device on the host, created beforehand by the caller.
   *
   * @param tapName the TAP interface name (at most 15 characters)
   * @param mac the guest's MAC address
   */
  public record Tap(String tapName, MacAddress mac) implements Network {
    /** Rejects names the kernel would not accept as an interface name. */
    public Tap {
      Objects.requireNonNull(mac, "mac");
      if (tapName == null || tapName.isEmpty() || tapName.length() > 15) {
        throw new IllegalArgumentException(
            "TAP name \"" + tapName + "\" must be 1 to 15 characters");
      }
    }
  }

  /**
   * QEMU's user-mode network (slirp): no host privileges, guest ports reached through forwards.
   * Firecracker has no such mode.
   *
   * @param mac the guest's MAC address
   * @param forwards host ports forwarded to guest ports
   */
  public record UserMode(MacAddress mac, List<PortForward> forwards) implements Network {
    /** Copies the forwards. */
    public UserMode {
      Objects.requireNonNull(mac, "mac");
      forwards = List.copyOf(forwards);
    }
  }

  /**
   * A TCP port forward from the host into the guest, for user-mode networking.
   *
   * @param hostAddress the host address to listen on, for example {@code 127.0.0.1}
   * @param hostPort the host port (1-65535)
   * @param guestPort the guest port (1-65535)
   */
  public record PortForward(String hostAddress, int hostPort, int guestPort) {
    /** Rejects ports outside 1-65535. */
    public PortForward {
      Objects.requireNonNull(hostAddress, "hostAddress");
      if (hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) {
        throw new IllegalArgumentException(
            "port forward " + hostPort + " -> " + guestPort + " needs ports in 1-65535");
      }
    }
  }

  /**
   * A virtio-vsock device.
   *
   * @param guestCid the guest's context id, at least 3 (0-2 are reserved)
   * @param agentPort the vsock port the guest agent listens on (10789 by the boot contract)
   */
  public record Vsock(long guestCid, int agentPort) {
    /** Rejects reserved context ids and invalid ports. */
    public Vsock {
      if (guestCid < 3 || guestCid > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("vsock guest CID " + guestCid + " is not in 3-2^32");
      }
      if (agentPort < 1) {
        throw new IllegalArgumentException("vsock agent port " + agentPort + " must be positive");
      }
    }
  }

  /**
   * Firecracker's jailer: it chroots, drops to uid/gid and then runs Firecracker.
   *
   * @param binary the jailer executable
   * @param uid the user id Firecracker runs as
   * @param gid the group id Firecracker runs as
   * @param chrootBase the jailer's {@code --chroot-base-dir}
   */
  public record Jailer(Path binary, int uid, int gid, Path chrootBase) {
    /** Requires the paths. */
    public Jailer {
      Objects.requireNonNull(binary, "binary");
      Objects.requireNonNull(chrootBase, "chrootBase");
    }
  }

  /**
   * Assembles a {@link VmmSpec}; defaults are 1 vCPU, 256 MiB, no disks, no network, KVM.
   *
   * <p>Not thread-safe: use it from one thread.
   */
  public static final class Builder {
    private final String vmId;
    private int vcpus = 1;
    private int memoryMib = 256;
    private Path kernel;
    private Path initrd;
    private final List<String> kernelArgs = new ArrayList<>();
    private Path rootDisk;
    private DiskFormat rootDiskFormat = DiskFormat.RAW;
    private final List<Disk> extraDisks = new ArrayList<>();
    private Network network;
    private Path runtimeDir;
    private Path serialLog;
    private Vsock vsock;
    private Accel accel = Accel.KVM;
    private Path vmmBinary;
    private Jailer jailer;

    private Builder(String vmId) {
      this.vmId = vmId;
    }

    /** Sets the number of vCPUs. */
    public Builder vcpus(int value) {
      this.vcpus = value;
      return this;
    }

    /** Sets the guest memory in MiB. */
    public Builder memoryMib(int value) {
      this.memoryMib = value;
      return this;
    }

    /** Sets the guest kernel. */
    public Builder kernel(Path value) {
      this.kernel = value;
      return this;
    }

    /** Sets the initial ramdisk. */
    public Builder initrd(Path value) {
      this.initrd = value;
      return this;
    }

    /** Appends banger's kernel command line parameters. */
    public Builder kernelArgs(List<String> values) {
      this.kernelArgs.addAll(values);
      return this;
    }

    /** Sets the root disk, a raw image. */
    public Builder rootDisk(Path value) {
      return rootDisk(value, DiskFormat.RAW);
    }

    /** Sets the root disk and its format. */
    public Builder rootDisk(Path value, DiskFormat format) {
      this.rootDisk = value;
      this.rootDiskFormat = format;
      return this;
    }

    /** Appends a further disk after the root disk. */
    public Builder extraDisk(Disk value) {
      this.extraDisks.add(value);
      return this;
    }

    /** Sets the network interface. */
    public Builder network(Network value) {
      this.network = value;
      return this;
    }

    /** Sets the runtime directory, and the serial log inside it unless set otherwise. */
    public Builder runtimeDir(Path value) {
      this.runtimeDir = value;
      return this;
    }

    /** Sets the serial console log file. */
    public Builder serialLog(Path value) {
      this.serialLog = value;
      return this;
    }

    /** Adds a vsock device. */
    public Builder vsock(Vsock value) {
      this.vsock = value;
      return this;
    }

    /** Sets the accelerator. */
    public Builder accel(Accel value) {
      this.accel = value;
      return this;
    }

    /** Sets the VMM executable. */
    public Builder vmmBinary(Path value) {
      this.vmmBinary = value;
      return this;
    }

    /** Runs Firecracker under this jailer. */
    public Builder jailer(Jailer value) {
      this.jailer = value;
      return this;
    }

    /** Builds the spec; the serial log defaults to {@code console.log} in the runtime directory. */
    public VmmSpec build() {
      Path log = serialLog;
      if (log == null && runtimeDir != null) {
        log = runtimeDir.resolve("console.log");
      }
      return new VmmSpec(
          vmId,
          vcpus,
          memoryMib,
          kernel,
          Optional.ofNullable(initrd),
          kernelArgs,
          Optional.ofNullable(rootDisk),
          rootDiskFormat,
          extraDisks,
          Optional.ofNullable(network),
          runtimeDir,
          log,
          Optional.ofNullable(vsock),
          accel,
          vmmBinary,
          Optional.ofNullable(jailer));
    }
  }
}
