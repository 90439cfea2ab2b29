package dev.banger.network;

import java.util.Optional;
import java.util.Set;

/**
 * Picks VM addresses in a subnet: the lowest address that is not the network address, the gateway,
 * the broadcast address or held by another VM. Picking is a pure function of the subnet and the
 * addresses in use; {@link #allocate} adds the reservation in an {@link AddressBook}, retrying when
 * another VM won the same address first.
 *
 * <p>Immutable and thread-safe (as far as the address book is).
 */
public final class AddressAllocator {
  private static final int MAX_ATTEMPTS = 64;

  private final Subnet subnet;

  /** An allocator for addresses in {@code subnet}. */
  public AddressAllocator(Subnet subnet) {
    this.subnet = subnet;
  }

  /** The subnet addresses come from. */
  public Subnet subnet() {
    return subnet;
  }

  /** The lowest free VM address given {@code inUse}, or empty when the subnet is full. */
  public Optional<IpAddress> lowestFree(Set<IpAddress> inUse) {
    IpAddress last = subnet.broadcast();
    for (IpAddress candidate = subnet.gateway().plus(1);
        candidate.compareTo(last) < 0;
        candidate = candidate.plus(1)) {
      if (!inUse.contains(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * The address of VM {@code vmId}: the one it already holds in this subnet, or the lowest free
   * one, reserved in {@code book}.
   *
   * @throws NetworkException when the subnet has no free address, or when other VMs keep taking the
   *     address picked
   */
  public IpAddress allocate(AddressBook book, String vmId) throws NetworkException {
    Optional<IpAddress> held = book.addressOf(vmId);
    if (held.isPresent() && subnet.contains(held.orElseThrow())) {
      return held.orElseThrow();
    }
    // An address from an earlier subnet setting is useless in this one.
    held.ifPresent(stale -> book.release(vmId));

    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      IpAddress candidate =
          lowestFree(book.inUse())
              .orElseThrow(
                  () ->
                      new NetworkException(
                          ("no free address left in subnet %s for VM %s: remove a VM or"
                                  + " configure a larger subnet")
                              .formatted(subnet, vmId)));
      if (book.reserve(vmId, candidate)) {
        return candidate;
      }
    }
    throw new NetworkException(
        "could not reserve an address in %s for VM %s: %d attempts lost to concurrent reservations"
            .formatted(subnet, vmId, MAX_ATTEMPTS));
  }
}
