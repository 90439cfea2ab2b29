package dev.banger.archive;

import java.time.Instant;

/**
 * One archive entry as the safe extractor is about to write it, after its path has been checked and
 * normalized. Immutable and thread-safe.
 *
 * @param path the normalized path relative to the extraction root, with '/' separators and no "."
 *     or ".." components
 * @param kind what the entry creates
 * @param size content size in bytes for a regular file, 0 otherwise
 * @param linkTarget the link target for links, empty otherwise
 * @param mode the permission bits (rwx for user, group and others) the entry will get
 * @param modified the modification time the entry will get
 */
public record ArchiveEntryInfo(
    String path, Kind kind, long size, String linkTarget, int mode, Instant modified) {

  /** The entry kinds the safe extractor accepts. Device files and FIFOs are always refused. */
  public enum Kind {
    /** A regular file. */
    FILE,
    /** A directory. */
    DIRECTORY,
    /** A symbolic link whose target stays inside the extraction root. */
    SYMLINK,
    /** A hard link to a regular file extracted earlier from the same archive. */
    HARDLINK
  }
}
