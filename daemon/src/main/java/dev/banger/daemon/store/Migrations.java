package dev.banger.daemon.store;

import java.util.List;

/**
 * The numbered schema migrations of the state database. Migration {@code n} (1-based) moves the
 * schema from version {@code n-1} to {@code n}; the version is kept in {@code PRAGMA user_version}.
 * Append only: a released migration is never edited.
 */
final class Migrations {
  static final List<String> ALL =
      List.of(
          """
          CREATE TABLE vms (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL,
            state_reason TEXT NOT NULL DEFAULT '',
            image TEXT NOT NULL,
            kernel TEXT NOT NULL,
            vmm TEXT NOT NULL,
            cpus INTEGER NOT NULL,
            memory_mib INTEGER NOT NULL,
            disk_bytes INTEGER NOT NULL,
            ip TEXT NOT NULL DEFAULT '',
            mac TEXT NOT NULL DEFAULT '',
            disk_strategy TEXT NOT NULL DEFAULT '',
            pid INTEGER NOT NULL DEFAULT 0,
            runtime TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
          CREATE TABLE vm_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            vm_id TEXT NOT NULL,
            at TEXT NOT NULL,
            message TEXT NOT NULL
          );
          CREATE INDEX vm_events_vm ON vm_events(vm_id, seq);
          CREATE TABLE addresses (
            ip TEXT PRIMARY KEY,
            vm_id TEXT NOT NULL UNIQUE
          );
          CREATE TABLE images (
            name TEXT PRIMARY KEY,
            managed INTEGER NOT NULL,
            dir TEXT NOT NULL,
            rootfs TEXT NOT NULL,
            work_seed TEXT NOT NULL DEFAULT '',
            kernel TEXT NOT NULL,
            version TEXT NOT NULL DEFAULT '',
            arch TEXT NOT NULL DEFAULT 'x86_64',
            source TEXT NOT NULL DEFAULT '',
            size_bytes INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
          );
          CREATE TABLE kernels (
            name TEXT PRIMARY KEY,
            managed INTEGER NOT NULL,
            dir TEXT NOT NULL,
            vmlinux TEXT NOT NULL,
            initrd TEXT NOT NULL DEFAULT '',
            modules TEXT NOT NULL DEFAULT '',
            version TEXT NOT NULL DEFAULT '',
            facts TEXT NOT NULL DEFAULT '{}',
            source TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
          );
          CREATE TABLE operations (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            target TEXT NOT NULL,
            state TEXT NOT NULL,
            phase TEXT NOT NULL DEFAULT '',
            done INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            partial_path TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
          """,
          """
          ALTER TABLE operations ADD COLUMN unit TEXT NOT NULL DEFAULT 'bytes';
          ALTER TABLE kernels ADD COLUMN bz_image TEXT NOT NULL DEFAULT '';
          """,
          """
          ALTER TABLE vms ADD COLUMN resources TEXT NOT NULL DEFAULT '{}';
          """);

  private Migrations() {}

  /** The schema version this build knows. */
  static int latest() {
    return ALL.size();
  }
}
