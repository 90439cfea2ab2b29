package dev.banger.daemon.vm;

import dev.banger.daemon.store.Store;
import dev.banger.daemon.store.StoreException;
import dev.banger.network.AddressBook;
import dev.banger.network.IpAddress;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The VM address allocations, kept in the {@code addresses} table: one address per VM, stable
 * across restarts, free again after {@code vm rm}. Thread-safe through the store.
 */
final class StoreAddressBook implements AddressBook {
  private final Store store;

  StoreAddressBook(Store store) {
    this.store = store;
  }

  @Override
  public Set<IpAddress> inUse() {
    return new HashSet<>(
        store.query("SELECT ip FROM addresses", rs -> IpAddress.parse(rs.getString(1))));
  }

  @Override
  public Optional<IpAddress> addressOf(String vmId) {
    return store
        .query(
            "SELECT ip FROM addresses WHERE vm_id = ?",
            rs -> IpAddress.parse(rs.getString(1)),
            vmId)
        .stream()
        .findFirst();
  }

  @Override
  public boolean reserve(String vmId, IpAddress address) {
    try {
      return store.update(
              "INSERT INTO addresses (ip, vm_id) VALUES (?, ?)", address.toString(), vmId)
          == 1;
    } catch (StoreException e) {
      return false;
    }
  }

  @Override
  public void release(String vmId) {
    store.update("DELETE FROM addresses WHERE vm_id = ?", vmId);
  }
}
