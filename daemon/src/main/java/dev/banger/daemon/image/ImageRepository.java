package dev.banger.daemon.image;

import dev.banger.api.ImageView;
import dev.banger.daemon.store.Store;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Image rows of the state database ({@code images} table). Thread-safe. */
public final class ImageRepository {
  private final Store store;

  /** A repository over {@code store}. */
  public ImageRepository(Store store) {
    this.store = store;
  }

  /** Every image by name. */
  public List<ImageView> list() {
    return store.query("SELECT * FROM images ORDER BY name", this::view);
  }

  /** The image named {@code name}. */
  public Optional<ImageView> find(String name) {
    return store.query("SELECT * FROM images WHERE name = ?", this::view, name).stream()
        .findFirst();
  }

  /** Adds an image; {@code dir} is the directory banger owns for it, empty when unmanaged. */
  public void insert(ImageView i, String dir) {
    store.update(
        "INSERT INTO images (name, managed, dir, rootfs, work_seed, kernel, version,"
            + " arch, source, size_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        i.name(),
        i.managed() ? 1 : 0,
        dir,
        i.rootfs(),
        i.workSeed(),
        i.kernel(),
        i.version(),
        i.arch(),
        i.source(),
        i.sizeBytes(),
        Instant.now().toString());
  }

  /** Points an image at managed copies of its files. */
  public void promote(String name, String dir, String rootfs, String workSeed) {
    store.update(
        "UPDATE images SET managed = 1, dir = ?, rootfs = ?, work_seed = ? WHERE" + " name = ?",
        dir,
        rootfs,
        workSeed,
        name);
  }

  /** Removes the row of {@code name}. */
  public void delete(String name) {
    store.update("DELETE FROM images WHERE name = ?", name);
  }

  /** The directory banger owns for {@code name}, empty for an unmanaged image. */
  public String dir(String name) {
    return store
        .query("SELECT dir FROM images WHERE name = ?", rs -> rs.getString(1), name)
        .stream()
        .findFirst()
        .orElse("");
  }

  private ImageView view(ResultSet rs) throws SQLException {
    String name = rs.getString("name");
    List<String> usedBy =
        store.query(
            "SELECT name FROM vms WHERE image = ? ORDER BY name", r -> r.getString(1), name);
    return new ImageView(
        name,
        rs.getInt("managed") == 1,
        rs.getString("rootfs"),
        rs.getString("work_seed"),
        rs.getString("kernel"),
        rs.getString("version"),
        rs.getString("arch"),
        rs.getString("source"),
        rs.getLong("size_bytes"),
        rs.getString("created_at"),
        usedBy);
  }
}
