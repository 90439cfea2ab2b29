package dev.banger.daemon.vm;

import dev.banger.api.VmView;
import dev.banger.daemon.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * VM rows of the state database ({@code vms} table). Thread-safe: the store serialises access.
 */
public final class VmRepository {
  private static final String COLUMNS =
      "id, name, state, state_reason, image, kernel, vmm, cpus, memory_mib, disk_bytes, ip,"
          + " disk_strategy, pid, created_at, runtime";

  private final Store store;

  /** A repository over {@code store}. */
  public VmRepository(Store store) {
    this.store = store;
  }

  /** Every VM, oldest first. */
  public List<VmView> list() {
    return store.query("SELECT " + COLUMNS + " FROM vms ORDER BY created_at, name", this::view);
  }

  /** The VM whose id or name is {@code ref}, or whose id starts with it when unambiguous. */
  public Optional<VmView> find(String ref) {
    List<VmView> exact =
        store.query(
            "SELECT " + COLUMNS + " FROM vms WHERE id = ? OR name = ?", this::view, ref, ref);
    if (!exact.isEmpty()) {
      return Optional.of(exact.getFirst());
    }
    List<VmView> prefix =
        store.query(
            "SELECT " + COLUMNS + " FROM vms WHERE id LIKE ? ESCAPE '\\'",
            this::view,
            ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
    return prefix.size() == 1 ? Optional.of(prefix.getFirst()) : Optional.empty();
  }

  /** Whether a VM named {@code name} exists. */
  public boolean nameTaken(String name) {
    return !store.query("SELECT 1 FROM vms WHERE name = ?", rs -> 1, name).isEmpty();
  }

  private VmView view(ResultSet rs) throws SQLException {
    return new VmView(
        rs.getString("id"),
        rs.getString("name"),
        rs.getString("state"),
        rs.getString("state_reason"),
        rs.getString("image"),
        rs.getString("kernel"),
        rs.getString("vmm"),
        rs.getInt("cpus"),
        rs.getInt("memory_mib"),
        rs.getLong("disk_bytes"),
        rs.getString("ip"),
        rs.getString("disk_strategy"),
        rs.getLong("pid"),
        rs.getString("created_at"),
        List.of());
  }
}
