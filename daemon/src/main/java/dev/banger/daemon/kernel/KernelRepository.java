package dev.banger.daemon.kernel;

import dev.banger.api.KernelView;
import dev.banger.daemon.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Kernel rows of the state database ({@code kernels} table). Thread-safe. */
public final class KernelRepository {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Store store;

  /** A repository over {@code store}. */
  public KernelRepository(Store store) {
    this.store = store;
  }

  /** Every kernel by name. */
  public List<KernelView> list() {
    return store.query("SELECT * FROM kernels ORDER BY name", KernelRepository::view);
  }

  /** The kernel named {@code name}. */
  public Optional<KernelView> find(String name) {
    return store
        .query("SELECT * FROM kernels WHERE name = ?", KernelRepository::view, name)
        .stream()
        .findFirst();
  }

  /** Adds a kernel; its name must be free. */
  public void insert(KernelView k, String dir) {
    store.update(
        "INSERT INTO kernels (name, managed, dir, vmlinux, bz_image, initrd, modules,"
            + " version, facts, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        k.name(),
        k.managed() ? 1 : 0,
        dir,
        k.vmlinux(),
        k.bzImage(),
        k.initrd(),
        k.modules(),
        k.release(),
        JSON.writeValueAsString(k.facts()),
        k.source(),
        Instant.now().toString());
  }

  /** Removes the row of {@code name}. */
  public void delete(String name) {
    store.update("DELETE FROM kernels WHERE name = ?", name);
  }

  /** The directory banger owns for a managed kernel. */
  public Optional<String> dir(String name) {
    return store
        .query("SELECT dir FROM kernels WHERE name = ?", rs -> rs.getString(1), name)
        .stream()
        .findFirst();
  }

  private static KernelView view(ResultSet rs) throws SQLException {
    Map<String, String> facts =
        JSON.readValue(rs.getString("facts"), new TypeReference<Map<String, String>>() {});
    return new KernelView(
        rs.getString("name"),
        rs.getInt("managed") == 1,
        rs.getString("version"),
        rs.getString("vmlinux"),
        rs.getString("bz_image"),
        rs.getString("initrd"),
        rs.getString("modules"),
        rs.getString("source"),
        rs.getString("created_at"),
        facts);
  }
}
