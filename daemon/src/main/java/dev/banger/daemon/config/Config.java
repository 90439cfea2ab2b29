package dev.banger.daemon.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The daemon's settings, read from {@code config.toml}. Every key is documented in the README with
 * its default. Immutable and thread-safe.
 *
 * @param firecrackerBin the firecracker binary; a bare name is looked up on PATH
 * @param jailerBin the jailer binary; when present Firecracker runs under it
 * @param qemuBin the QEMU binary; a bare name is looked up on PATH
 * @param sshKeyPath the private SSH key banger uses; empty means the auto-managed key
 * @param defaultImageName the image {@code vm run} uses when none is given
 * @param vmm which VMM to use: {@code auto}, {@code firecracker} or {@code qemu}
 * @param vmCpus default vCPUs of a new VM
 * @param vmMemoryMib default memory of a new VM, MiB
 * @param vmDiskBytes default work disk size of a new VM, bytes
 * @param networkSubnet the subnet of the {@code banger0} bridge, CIDR
 * @param bridgeName the bridge VMs attach to
 * @param dns resolvers given to guests, comma-separated
 * @param logLevel the daemon log level
 */
public record Config(
    String firecrackerBin,
    Optional<String> jailerBin,
    String qemuBin,
    Optional<Path> sshKeyPath,
    String defaultImageName,
    String vmm,
    int vmCpus,
    int vmMemoryMib,
    long vmDiskBytes,
    String networkSubnet,
    String bridgeName,
    String dns,
    String logLevel) {

  /** The settings when no config file exists. */
  public static Config defaults() {
    return new Config(
        "firecracker",
        Optional.empty(),
        "qemu-system-x86_64",
        Optional.empty(),
        "debian-bookworm",
        "auto",
        2,
        1024,
        4L << 30,
        "172.30.0.0/24",
        "banger0",
        "1.1.1.1,9.9.9.9",
        "info");
  }
}
