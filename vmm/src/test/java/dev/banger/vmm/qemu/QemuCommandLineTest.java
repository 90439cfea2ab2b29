package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.vmm.MacAddress;
import dev.banger.vmm.VmmSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {
  private static QemuCommandLine.Builder base(VmmSpec.Accel accel) {
    return QemuCommandLine.builder(Path.of("/usr/bin/qemu-system-x86_64"))
        .accel(accel)
        .cpus(2)
        .memoryMib(512)
        .kernel(Path.of("/k/vmlinuz"))
        .append("console=ttyS0");
  }

  private static String after(List<String> args, String flag) {
    return args.get(args.indexOf(flag) + 1);
  }

  @Test
  void tcgKeepsThePitAndUsesTheMaxCpuModel() {
    List<String> args = base(VmmSpec.Accel.TCG).build().arguments();

    assertThat(after(args, "-M"))
        .isEqualTo("microvm,x-option-roms=off,pit=on,pic=off,rtc=on,acpi=on");
    assertThat(after(args, "-accel")).isEqualTo("tcg");
    assertThat(after(args, "-cpu")).isEqualTo("max");
    assertThat(after(args, "-smp")).isEqualTo("2");
    assertThat(after(args, "-m")).isEqualTo("512M");
    assertThat(args).contains("-nodefaults", "-no-user-config", "-nographic", "-no-reboot");
  }

  @Test
  void guestNameTagsTheProcessWithTheVm() {
    List<String> args = base(VmmSpec.Accel.TCG).name("brave-otter").build().arguments();

    assertThat(args).containsSubsequence("-name", "guest=brave-otter");
  }

  @Test
  void kvmDropsThePitAndPassesTheHostCpu() {
    List<String> args = base(VmmSpec.Accel.KVM).build().arguments();

    assertThat(after(args, "-M")).contains("pit=off");
    assertThat(after(args, "-accel")).isEqualTo("kvm");
    assertThat(after(args, "-cpu")).isEqualTo("host");
  }

  @Test
  void aQcow2OverlayIsOpenedAsQcow2() {
    List<String> args =
        base(VmmSpec.Accel.TCG)
            .disk(
                new VmmSpec.Disk(
                    "rootfs", Path.of("/v/rootfs.qcow2"), false, VmmSpec.DiskFormat.QCOW2))
            .build()
            .arguments();

    assertThat(args).contains("id=rootfs,file=/v/rootfs.qcow2,format=qcow2,if=none,discard=unmap");
  }

  @Test
  void disksBecomeVirtioBlkDevicesInOrderAndCommasInPathsAreEscaped() {
    List<String> args =
        base(VmmSpec.Accel.TCG)
            .disk(new VmmSpec.Disk("rootfs", Path.of("/v/a,b.img"), false))
            .disk(new VmmSpec.Disk("work", Path.of("/v/work.img"), true))
            .build()
            .arguments();

    assertThat(args)
        .containsSubsequence(
            "-drive",
            "id=rootfs,file=/v/a,,b.img,format=raw,if=none,discard=unmap",
            "-device",
            "virtio-blk-device,drive=rootfs",
            "-drive",
            "id=work,file=/v/work.img,format=raw,if=none,discard=unmap,readonly=on",
            "-device",
            "virtio-blk-device,drive=work");
  }

  @Test
  void userNetworkForwardsHostPortsIntoTheGuest() {
    List<String> args =
        base(VmmSpec.Accel.TCG)
            .network(
                new VmmSpec.UserMode(
                    new MacAddress("02:fc:00:00:00:01"),
                    List.of(
                        new VmmSpec.PortForward("127.0.0.1", 2222, 22),
                        new VmmSpec.PortForward("::1", 8080, 80))))
            .build()
            .arguments();

    assertThat(after(args, "-netdev"))
        .isEqualTo("user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:[::1]:8080-:80");
    assertThat(args).contains("virtio-net-device,netdev=net0,mac=02:fc:00:00:00:01");
  }

  @Test
  void tapNetworkNeedsNoScripts() {
    List<String> args =
        base(VmmSpec.Accel.KVM)
            .network(new VmmSpec.Tap("tap-vm1", new MacAddress("02:fc:00:00:00:02")))
            .build()
            .arguments();

    assertThat(after(args, "-netdev"))
        .isEqualTo("tap,id=net0,ifname=tap-vm1,script=no,downscript=no");
  }

  @Test
  void controlDevicesConsoleAgentPortQmpVsockAndPidFile() {
    List<String> args =
        base(VmmSpec.Accel.TCG)
            .serialLog(Path.of("/run/vm/console.log"))
            .agentSocket(Path.of("/run/vm/agent.sock"))
            .qmpSocket(Path.of("/run/vm/qmp.sock"))
            .vsock(7)
            .pidFile(Path.of("/run/vm/qemu.pid"))
            .paused()
            .build()
            .arguments();

    assertThat(args)
        .containsSubsequence(
            "-chardev", "file,id=console,append=on,path=/run/vm/console.log",
            "-serial", "chardev:console")
        .containsSubsequence(
            "-device", "virtio-serial-device",
            "-chardev", "socket,id=agent,server=on,wait=off,path=/run/vm/agent.sock",
            "-device", "virtserialport,chardev=agent,name=banger.agent")
        .containsSubsequence("-device", "vhost-vsock-device,guest-cid=7")
        .containsSubsequence("-qmp", "unix:/run/vm/qmp.sock,server=on,wait=off")
        .containsSubsequence("-pidfile", "/run/vm/qemu.pid")
        .contains("-S");
  }

  @Test
  void driveIdQemuWouldRejectIsRefusedEarly() {
    assertThatThrownBy(
            () -> base(VmmSpec.Accel.TCG).disk(new VmmSpec.Disk("9lives", Path.of("/d"), false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("9lives");
  }

  @Test
  void hostTscRateIsReadFromCpuMegahertz() {
    assertThat(HostTsc.parse("processor\t: 0\ncpu MHz\t\t: 2599.998\n"))
        .isEqualTo(OptionalLong.of(2_599_998));
    assertThat(HostTsc.parse("processor\t: 0\n")).isEmpty();
    assertThat(HostTsc.parse("cpu MHz\t: unknown\n")).isEmpty();
  }
}
