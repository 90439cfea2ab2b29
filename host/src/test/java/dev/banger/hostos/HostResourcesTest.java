package dev.banger.hostos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.network.NetworkNamespace;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostResourcesTest {
  private final CommandRunner host = CommandRunner.onHost();

  @TempDir Path dir;

  @Test
  void loopDeviceBackedByAFileInTheVmDirectoryIsListedUntilDetached() throws Exception {
    assumeTrue(Privileges.isRoot(), "needs root to attach loop devices");
    Path vmDir = Files.createDirectories(dir.resolve("vms/vm1"));
    Path backing = vmDir.resolve("rootfs.cow");
    try (RandomAccessFile file = new RandomAccessFile(backing.toFile(), "rw")) {
      file.setLength(8L * 1024 * 1024);
    }
    HostResources resources = new HostResources(host);
    Path loop =
        Path.of(
            host.check(List.of("losetup", "--find", "--show", "--read-only", backing.toString()))
                .stdout()
                .strip());
    try {
      assertThat(resources.loopDevicesUnder(dir.resolve("vms")))
          .containsExactly(new LoopDevice(loop, backing, false, true));
      assertThat(resources.loopDevicesUnder(dir.resolve("elsewhere"))).isEmpty();

      Files.delete(backing);

      assertThat(resources.loopDevicesUnder(vmDir))
          .as("a deleted backing file is still listed under its old path")
          .containsExactly(new LoopDevice(loop, backing, true, true));
    } finally {
      host.check(List.of("losetup", "--detach", loop.toString()));
    }
    assertThat(resources.loopDevicesUnder(dir)).isEmpty();
  }

  @Test
  void onlyInterfacesWithAVmAliasAreListedAsTagged() throws Exception {
    assumeTrue(Privileges.canAdministerNetwork(), "needs CAP_NET_ADMIN to create namespaces");
    try (NetworkNamespace namespace = NetworkNamespace.create()) {
      namespace.exec("ip", "tuntap", "add", "dev", "bgr-a", "mode", "tap");
      namespace.exec("ip", "link", "set", "dev", "bgr-a", "alias", "banger-vm=a1");
      namespace.exec("ip", "tuntap", "add", "dev", "other", "mode", "tap");
      namespace.exec("ip", "link", "set", "dev", "other", "alias", "lab uplink");

      List<TaggedInterface> tagged = new HostResources(namespace.runner()).taggedInterfaces();

      assertThat(tagged).containsExactly(new TaggedInterface("bgr-a", new VmTag("a1")));
    }
  }

  @Test
  void hostWithoutDeviceMapperHasNoDeviceMapperDevices() throws Exception {
    assumeFalse(
        Files.exists(Path.of("/dev/mapper/control")),
        "this host has device-mapper, so the empty listing cannot be checked here");

    assertThat(new HostResources(host).deviceMapperDevices()).isEmpty();
  }
}
