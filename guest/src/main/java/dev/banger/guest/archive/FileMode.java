package dev.banger.guest.archive;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Unix permission bits as Java permission sets. Only the nine rwx bits cross over: setuid, setgid
 * and sticky from a guest are dropped on purpose. Stateless and thread-safe.
 */
public final class FileMode {
  private FileMode() {}

  /** The permissions of {@code mode}'s rwx bits. */
  public static Set<PosixFilePermission> toPermissions(int mode) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission p : PosixFilePermission.values()) {
      // OWNER_READ is ordinal 0 and bit 0400; OTHERS_EXECUTE is ordinal 8 and bit 0001.
      if ((mode & (1 << (8 - p.ordinal()))) != 0) {
        perms.add(p);
      }
    }
    return perms;
  }
}
