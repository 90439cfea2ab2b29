package dev.banger.daemon.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's state: one SQLite file ({@code state.db} in the state directory) in WAL mode,
 * migrated by number on open. A database with a newer schema than this build knows, or one that is
 * not a SQLite database or fails its integrity check, is refused and left untouched.
 *
 * <p>Thread-safe: one connection, used under a lock. Each write is its own committed transaction
 * unless run inside {@link #transaction}; committed data survives a daemon crash.
 */
public final class Store implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Store.class);

  private final Path file;
  private final Connection connection;
  private final ReentrantLock lock = new ReentrantLock();

  private Store(Path file, Connection connection) {
    this.file = file;
    this.connection = connection;
  }

  /** Opens (creating when absent) and migrates the database at {@code file}. */
  public static Store open(Path file) {
    boolean existed = Files.exists(file);
    if (existed) {
      checkHeader(file);
    }
    Connection c;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      c = DriverManager.getConnection("jdbc:sqlite:" + file);
    } catch (SQLException | IOException e) {
      throw new StoreException("cannot open the state database " + file + ": " + e.getMessage(), e);
    }
    Store store = new Store(file, c);
    try {
      store.prepare(existed);
    } catch (SQLException | RuntimeException e) {
      store.close();
      if (e instanceof StoreException se) {
        throw se;
      }
      throw new StoreException(
          "the state database "
              + file
              + " is corrupt or not a banger database ("
              + e.getMessage()
              + "); it was left untouched: move it away to start with an empty state",
          e);
    }
    return store;
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /** The schema version of the open database. */
  public int schemaVersion() {
    return query("PRAGMA user_version", rs -> rs.getInt(1)).getFirst();
  }

  /** Runs {@code sql} with {@code args} and returns the number of changed rows. */
  public int update(String sql, Object... args) {
    lock.lock();
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("state database " + file + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Runs a query and maps every row. */
  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) {
    lock.lock();
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      bind(ps, args);
      List<T> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(mapper.map(rs));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new StoreException("state database " + file + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code work} in one transaction: all its updates commit together or not at all. */
  public <T> T transaction(TransactionWork<T> work) {
    lock.lock();
    try {
      connection.setAutoCommit(false);
      try {
        T result = work.run(this);
        connection.commit();
        return result;
      } catch (RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StoreException("state database " + file + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.warn("closing the state database {} failed", file, e);
    }
  }

  private void prepare(boolean existed) throws SQLException {
    try (Statement s = connection.createStatement()) {
      if (existed) {
        try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
          String result = rs.next() ? rs.getString(1) : "no result";
          if (!"ok".equals(result)) {
            throw new SQLException("integrity check failed: " + result);
          }
        }
      }
      int version;
      try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        version = rs.getInt(1);
      }
      if (version > Migrations.latest()) {
        throw new StoreException(
            "the state database "
                + file
                + " has schema version "
                + version
                + " but this bangerd knows versions up to "
                + Migrations.latest()
                + "; it was left untouched: run a newer banger");
      }
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=NORMAL");
      s.execute("PRAGMA foreign_keys=ON");
      s.execute("PRAGMA busy_timeout=5000");
      migrate(version);
    }
  }

  private void migrate(int from) throws SQLException {
    for (int v = from; v < Migrations.latest(); v++) {
      connection.setAutoCommit(false);
      try (Statement s = connection.createStatement()) {
        for (String sql : Migrations.ALL.get(v).split(";\\s*\\n")) {
          if (!sql.isBlank()) {
            s.execute(sql);
          }
        }
        s.execute("PRAGMA user_version = " + (v + 1));
        connection.commit();
        LOG.info("migrated state database {} to schema version {}", file, v + 1);
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    }
  }

  /** A file that exists but does not start with the SQLite header is refused before opening. */
  private static void checkHeader(Path file) {
    byte[] magic = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try (var in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(magic.length);
      if (head.length == 0) {
        return;
      }
      if (!java.util.Arrays.equals(head, magic)) {
        throw new StoreException(
            "the state database "
                + file
                + " is not a SQLite database; it was left untouched: move it away to start with"
                + " an empty state");
      }
    } catch (IOException e) {
      throw new StoreException("cannot read the state database " + file + ": " + e, e);
    }
  }

  private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }

  /** Maps one result row. */
  @FunctionalInterface
  public interface RowMapper<T> {
    /** Maps the current row of {@code rs}. */
    T map(ResultSet rs) throws SQLException;
  }

  /** Work run inside one transaction. */
  @FunctionalInterface
  public interface TransactionWork<T> {
    /** Runs the work against {@code store}. */
    T run(Store store);
  }
}
