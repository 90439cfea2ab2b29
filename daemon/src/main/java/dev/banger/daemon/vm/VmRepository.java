package dev.banger.daemon.vm;

import dev.banger.api.VmView;
import dev.banger.daemon.http.Json;
import dev.banger.daemon.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * VM rows of the state database ({@code vms} and {@code vm_events} tables). Thread-safe: the store
 * serialises access.
 */
public final class VmRepository {
  private final Store store;

  /** A repository over {@code store}. */
  public VmRepository(Store store) {
    this.store = store;
  }

  /** Every VM, oldest first. */
  public List<VmView> list() {
    return store.query("SELECT * FROM vms ORDER BY created_at, name", VmRepository::view);
  }

  /** The VM whose id or name is {@code ref}, or whose id starts with it when unambiguous. */
  public Optional<VmView> find(String ref) {
    List<VmView> exact =
        store.query("SELECT * FROM vms WHERE id = ? OR name = ?", VmRepository::view, ref, ref);
    if (!exact.isEmpty()) {
      return Optional.of(exact.getFirst());
    }
    List<VmView> prefix =
        store.query(
            "SELECT * FROM vms WHERE id LIKE ? ESCAPE '\\'",
            VmRepository::view,
            ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
    return prefix.size() == 1 ? Optional.of(prefix.getFirst()) : Optional.empty();
  }

  /** Whether a VM named {@code name} exists. */
  public boolean nameTaken(String name) {
    return !store.query("SELECT 1 FROM vms WHERE name = ?", rs -> 1, name).isEmpty();
  }

  /** Adds a VM in state {@code created}. */
  public void insert(VmView vm, String mac, VmResources resources) {
    String now = Instant.now().toString();
    store.update(
        "INSERT INTO vms (id, name, state, state_reason, image, kernel, vmm, cpus,"
            + " memory_mib, disk_bytes, ip, mac, disk_strategy, pid, runtime, resources,"
            + " created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '{}',"
            + " ?, ?, ?)",
        vm.id(),
        vm.name(),
        vm.state(),
        vm.image(),
        vm.kernel(),
        vm.vmm(),
        vm.cpus(),
        vm.memoryMib(),
        vm.diskBytes(),
        vm.ip(),
        mac,
        vm.diskStrategy(),
        Json.MAPPER.writeValueAsString(resources),
        now,
        now);
  }

  /** Moves the VM to {@code state} with a reason (empty unless failed or crashed). */
  public void state(String id, String state, String reason) {
    store.update(
        "UPDATE vms SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?",
        state,
        reason,
        Instant.now().toString(),
        id);
  }

  /** Moves the VM to {@code state} only if it is in {@code expected}; true when it moved. */
  public boolean transition(String id, String expected, String state, String reason) {
    return store.update(
            "UPDATE vms SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?"
                + " AND state = ?",
            state,
            reason,
            Instant.now().toString(),
            id,
            expected)
        == 1;
  }

  /** Records the VMM process of a started VM (its state as JSON) or clears it (pid 0). */
  public void runtime(String id, long pid, String runtimeJson) {
    store.update(
        "UPDATE vms SET pid = ?, runtime = ?, updated_at = ? WHERE id = ?",
        pid,
        runtimeJson,
        Instant.now().toString(),
        id);
  }

  /** The VMM state JSON of a VM, "{}" when none. */
  public String runtime(String id) {
    return store.query("SELECT runtime FROM vms WHERE id = ?", rs -> rs.getString(1), id).stream()
        .findFirst()
        .orElse("{}");
  }

  /** The host resources of a VM. */
  public VmResources resources(String id) {
    String json =
        store.query("SELECT resources FROM vms WHERE id = ?", rs -> rs.getString(1), id).stream()
            .findFirst()
            .orElse("{}");
    return Json.MAPPER.readValue(json, VmResources.class);
  }

  /** Appends a lifecycle event to the VM's log. */
  public void event(String id, String message) {
    store.update(
        "INSERT INTO vm_events (vm_id, at, message) VALUES (?, ?, ?)",
        id,
        Instant.now().toString(),
        message);
  }

  /** The VM's lifecycle events after {@code afterSeq}, as {@code seq, line} pairs. */
  public List<String[]> events(String id, long afterSeq) {
    return store.query(
        "SELECT seq, at, message FROM vm_events WHERE vm_id = ? AND seq > ?" + " ORDER BY seq",
        rs -> new String[] {rs.getString(1), rs.getString(2) + " " + rs.getString(3)},
        id,
        afterSeq);
  }

  /** Removes the VM and its events. */
  public void delete(String id) {
    store.transaction(
        s -> {
          s.update("DELETE FROM vm_events WHERE vm_id = ?", id);
          s.update("DELETE FROM vms WHERE id = ?", id);
          return null;
        });
  }

  /** Ids of VMs in any of {@code states}. */
  public List<String> idsIn(String... states) {
    List<String> ids = new ArrayList<>();
    for (String state : states) {
      ids.addAll(store.query("SELECT id FROM vms WHERE state = ?", rs -> rs.getString(1), state));
    }
    return ids;
  }

  /** Every VM id. */
  public List<String> ids() {
    return store.query("SELECT id FROM vms", rs -> rs.getString(1));
  }

  private static VmView view(ResultSet rs) throws SQLException {
    VmResources r = Json.MAPPER.readValue(rs.getString("resources"), VmResources.class);
    List<String> ports =
        "user".equals(r.network()) ? List.of("127.0.0.1:" + r.sshPort() + "->22") : List.of();
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
        ports);
  }
}
