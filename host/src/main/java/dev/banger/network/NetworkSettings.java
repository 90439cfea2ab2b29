package dev.banger.network;

/**
 * The configurable part of bridged networking: the bridge's name and the VM subnet. Immutable and
 * thread-safe.
 *
 * @param bridgeName the bridge interface, {@code banger0} by default
 * @param subnet the VM subnet, {@code 172.30.0.0/24} by default; its first address is the bridge's
 */
public record NetworkSettings(String bridgeName, Subnet subnet) {
  /** The default bridge name. */
  public static final String DEFAULT_BRIDGE = "banger0";

  /** The default VM subnet. */
  public static final String DEFAULT_SUBNET = "172.30.0.0/24";

  /** Checks the bridge name. */
  public NetworkSettings {
    TapDevices.checkInterfaceName(bridgeName);
  }

  /** {@code banger0} on {@code 172.30.0.0/24}. */
  public static NetworkSettings defaults() {
    return new NetworkSettings(DEFAULT_BRIDGE, Subnet.parse(DEFAULT_SUBNET));
  }
}
