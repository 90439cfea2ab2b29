package dev.banger.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final Path FILE = Path.of("/home/u/.config/banger/config.toml");

  @Test
  void missingFileMeansDefaults(@TempDir Path dir) throws Exception {
    Config config = ConfigLoader.load(dir.resolve("config.toml"));

    assertThat(config).isEqualTo(Config.defaults());
    assertThat(config.defaultImageName()).isEqualTo("debian-bookworm");
    assertThat(config.firecrackerBin()).isEqualTo("firecracker");
  }

  @Test
  void everyKeyIsRead(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("config.toml");
    Files.writeString(
        file,
        """
        firecracker_bin = "/opt/fc/firecracker"
        jailer_bin = "/opt/fc/jailer"
        qemu_bin = "/usr/local/bin/qemu-system-x86_64"
        ssh_key_path = "/home/u/.ssh/banger"
        default_image_name = "alpine"
        vmm = "qemu"
        vm_cpus = 4
        vm_memory_mib = 2048
        vm_disk = "8G"
        network_subnet = "10.77.0.0/24"
        bridge_name = "br-test"
        dns = "192.0.2.53"
        log_level = "debug"
        """);

    Config c = ConfigLoader.load(file);

    assertThat(c.firecrackerBin()).isEqualTo("/opt/fc/firecracker");
    assertThat(c.jailerBin()).contains("/opt/fc/jailer");
    assertThat(c.qemuBin()).isEqualTo("/usr/local/bin/qemu-system-x86_64");
    assertThat(c.sshKeyPath()).contains(Path.of("/home/u/.ssh/banger"));
    assertThat(c.defaultImageName()).isEqualTo("alpine");
    assertThat(c.vmm()).isEqualTo("qemu");
    assertThat(c.vmCpus()).isEqualTo(4);
    assertThat(c.vmMemoryMib()).isEqualTo(2048);
    assertThat(c.vmDiskBytes()).isEqualTo(8L << 30);
    assertThat(c.networkSubnet()).isEqualTo("10.77.0.0/24");
    assertThat(c.bridgeName()).isEqualTo("br-test");
    assertThat(c.dns()).isEqualTo("192.0.2.53");
    assertThat(c.logLevel()).isEqualTo("debug");
  }

  @Test
  void syntaxErrorNamesFileLineAndColumn() {
    assertThatThrownBy(() -> ConfigLoader.parse(FILE, "vm_cpus = 2\nvmm = \"qemu\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(FILE + ":2:");
  }

  @Test
  void unknownKeyNamesTheKeyAndItsLine() {
    assertThatThrownBy(() -> ConfigLoader.parse(FILE, "vm_cpus = 2\n\ncpu_count = 3\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(FILE + ":3:1:")
        .hasMessageContaining("unknown key 'cpu_count'")
        .hasMessageContaining("vm_cpus");
  }

  @Test
  void wrongTypeNamesTheKey() {
    assertThatThrownBy(() -> ConfigLoader.parse(FILE, "\nvm_cpus = \"four\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(FILE + ":2:1:")
        .hasMessageContaining("'vm_cpus' must be an integer");
  }

  @Test
  void outOfRangeValuesAreRefused() {
    assertThatThrownBy(() -> ConfigLoader.parse(FILE, "vm_cpus = 64"))
        .hasMessageContaining("'vm_cpus' must be between 1 and 32, not 64");
    assertThatThrownBy(() -> ConfigLoader.parse(FILE, "vm_memory_mib = 64"))
        .hasMessageContaining("'vm_memory_mib' must be between 128");
  }

  @Test
  void vmmMustBeAKnownMonitor() {
    assertThatThrownBy(() -> ConfigLoader.parse(FILE, "vmm = \"xen\""))
        .hasMessageContaining("'vmm' must be one of [auto, firecracker, qemu], not 'xen'");
  }

  @Test
  void diskSizeAndSubnetAreValidated() {
    assertThatThrownBy(() -> ConfigLoader.parse(FILE, "vm_disk = \"lots\""))
        .hasMessageContaining("'vm_disk'")
        .hasMessageContaining("'lots' is not a size");
    assertThatThrownBy(() -> ConfigLoader.parse(FILE, "network_subnet = \"10.0.0.0/8\""))
        .hasMessageContaining("'network_subnet' must be an IPv4 subnet");
  }

  @Test
  void unreadableFileIsAnErrorNotDefaults(@TempDir Path dir) throws Exception {
    Path file = Files.createDirectory(dir.resolve("config.toml"));

    assertThatThrownBy(() -> ConfigLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot read the config file");
  }
}
