package dev.banger.disk;

import java.util.Objects;

/**
 * One change {@link Ext4Files#apply} makes inside an ext4 image. A batch of changes is applied by a
 * single {@code debugfs -w} run, so it costs one pass over the image however many files it writes.
 * Guest paths follow the rules of {@link Ext4Files}. Immutable.
 */
public sealed interface Ext4Change {
  /** The guest path this change creates or replaces. */
  String path();

  /**
   * Directory {@code path} and its missing parents; the created ones and {@code path} itself get
   * {@code attributes}, existing parents are left as they are.
   */
  record Directory(String path, GuestFileAttributes attributes) implements Ext4Change {
    /** Rejects nulls. */
    public Directory {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(attributes, "attributes");
    }
  }

  /**
   * Regular file {@code path} with {@code content}, replacing a file there. Its parent must exist
   * or be created by an earlier change of the same batch.
   */
  record File(String path, byte[] content, GuestFileAttributes attributes) implements Ext4Change {
    /** Rejects nulls. */
    public File {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(content, "content");
      Objects.requireNonNull(attributes, "attributes");
    }
  }

  /**
   * Symbolic link {@code path} pointing at {@code target}, replacing a link there. Its parent must
   * exist or be created by an earlier change of the same batch.
   */
  record Symlink(String path, String target) implements Ext4Change {
    /** Rejects nulls. */
    public Symlink {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(target, "target");
    }
  }
}
