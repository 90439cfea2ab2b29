package dev.banger.network;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link AddressBook} kept in memory only: for tests and for callers that rebuild the
 * reservations from elsewhere at start. Forgets everything when the process exits.
 *
 * <p>Thread-safe: every method holds the instance's lock, so {@link #reserve} is atomic.
 */
public final class InMemoryAddressBook implements AddressBook {
  private final Map<String, IpAddress> byVm = new HashMap<>();

  @Override
  public synchronized Set<IpAddress> inUse() {
    return Set.copyOf(byVm.values());
  }

  @Override
  public synchronized Optional<IpAddress> addressOf(String vmId) {
    return Optional.ofNullable(byVm.get(vmId));
  }

  @Override
  public synchronized boolean reserve(String vmId, IpAddress address) {
    for (Map.Entry<String, IpAddress> held : byVm.entrySet()) {
      if (held.getValue().equals(address)) {
        return held.getKey().equals(vmId);
      }
    }
    if (byVm.containsKey(vmId)) {
      return false; // a VM holds one address; release it before asking for another
    }
    byVm.put(vmId, address);
    return true;
  }

  @Override
  public synchronized void release(String vmId) {
    byVm.remove(vmId);
  }
}
