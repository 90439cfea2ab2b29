package dev.banger.network;

import java.util.List;

/**
 * A VM's place on the bridged network: its TAP, the MAC of its NIC and its address. The daemon
 * hands the TAP and MAC to the VMM and the boot parameters to the guest (see
 * docs/guest-boot-contract.md). Immutable and thread-safe.
 *
 * @param vmId the VM
 * @param tapName the host TAP device its NIC is connected to
 * @param mac the MAC address of its NIC, derived from the VM id
 * @param address its IPv4 address
 * @param subnet the subnet the address is in; its gateway is the bridge
 */
public record VmNetwork(
    String vmId, String tapName, MacAddress mac, IpAddress address, Subnet subnet) {

  /** {@code banger.ip=ADDRESS/PREFIX} and {@code banger.gw=GATEWAY} for the kernel command line. */
  public List<String> bootParameters() {
    return List.of("banger.ip=" + subnet.withPrefix(address), "banger.gw=" + subnet.gateway());
  }
}
