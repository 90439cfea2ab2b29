package dev.banger.daemon.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
  @Test
  void newDatabaseIsMigratedToTheLatestSchemaInWalMode(@TempDir Path dir) {
    try (Store store = Store.open(dir.resolve("state.db"))) {
      assertThat(store.schemaVersion()).isEqualTo(Migrations.latest());
      assertThat(store.query("PRAGMA journal_mode", rs -> rs.getString(1))).containsExactly("wal");
    }
  }

  @Test
  void committedRowsSurviveReopening(@TempDir Path dir) {
    Path file = dir.resolve("state.db");
    try (Store store = Store.open(file)) {
      store.update(
          "INSERT INTO operations (id, kind, target, state, created_at, updated_at)"
              + " VALUES (?, ?, ?, ?, ?, ?)",
          "op1",
          "image-pull",
          "debian-bookworm",
          "done",
          "t0",
          "t0");
    }
    try (Store store = Store.open(file)) {
      assertThat(
              store.query(
                  "SELECT target FROM operations WHERE id = ?", rs -> rs.getString(1), "op1"))
          .containsExactly("debian-bookworm");
    }
  }

  @Test
  void failedTransactionCommitsNothing(@TempDir Path dir) {
    try (Store store = Store.open(dir.resolve("state.db"))) {
      assertThatThrownBy(
              () ->
                  store.transaction(
                      s -> {
                        s.update("INSERT INTO addresses (ip, vm_id) VALUES ('10.0.0.2', 'a')");
                        s.update("INSERT INTO addresses (ip, vm_id) VALUES ('10.0.0.2', 'b')");
                        return null;
                      }))
          .isInstanceOf(StoreException.class);

      assertThat(store.query("SELECT ip FROM addresses", rs -> rs.getString(1))).isEmpty();
    }
  }

  @Test
  void newerSchemaIsRefusedAndLeftUntouched(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("state.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE future (x)");
      s.execute("PRAGMA user_version = 999");
    }
    byte[] before = Files.readAllBytes(file);

    assertThatThrownBy(() -> Store.open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("schema version 999")
        .hasMessageContaining("left untouched")
        .hasMessageContaining(file.toString());
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void fileThatIsNotADatabaseIsRefusedAndLeftUntouched(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("state.db");
    byte[] garbage =
        "this is not sqlite, it is someone's notes\n"
            .repeat(200)
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Files.write(file, garbage);

    assertThatThrownBy(() -> Store.open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("not a SQLite database")
        .hasMessageContaining("left untouched");
    assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
  }

  @Test
  void corruptDatabaseIsRefusedAndLeftUntouched(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("state.db");
    try (Store store = Store.open(file)) {
      for (int i = 0; i < 500; i++) {
        store.update(
            "INSERT INTO vm_events (vm_id, at, message) VALUES (?, ?, ?)",
            "vm" + i,
            "t",
            "x".repeat(200));
      }
      store.query("PRAGMA wal_checkpoint(TRUNCATE)", rs -> rs.getInt(1));
    }
    byte[] bytes = Files.readAllBytes(file);
    for (int i = 4096; i < bytes.length; i += 7) {
      bytes[i] = (byte) 0xA5;
    }
    Files.write(file, bytes);

    assertThatThrownBy(() -> Store.open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("left untouched");
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }
}
