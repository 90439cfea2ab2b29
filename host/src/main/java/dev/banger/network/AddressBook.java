package dev.banger.network;

import java.util.Optional;
import java.util.Set;

/**
 * Where the VMs' IP addresses are recorded, so that an address stays with its VM across daemon
 * restarts and is free again after {@code vm rm}. The daemon implements it on its store; {@link
 * InMemoryAddressBook} serves tests and unprivileged runs.
 *
 * <p>Implementations must be thread-safe, and {@link #reserve} must be atomic: two VMs asking for
 * the same address at once get it for one of them only.
 */
public interface AddressBook {

  /** Every address currently held by a VM. */
  Set<IpAddress> inUse();

  /** The address held by {@code vmId}, if any. */
  Optional<IpAddress> addressOf(String vmId);

  /**
   * Records {@code address} as held by {@code vmId}, unless another VM holds it already.
   *
   * @return true when the address is now {@code vmId}'s (including when it already was), false when
   *     another VM holds it
   */
  boolean reserve(String vmId, IpAddress address);

  /** Frees whatever address {@code vmId} holds; does nothing if it holds none. */
  void release(String vmId);
}
