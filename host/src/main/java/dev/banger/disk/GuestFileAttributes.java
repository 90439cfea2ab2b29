package dev.banger.disk;

/**
 * Permission bits and owner to give a file or directory written into a guest filesystem. Immutable
 * and thread-safe.
 *
 * @param permissions the permission bits only, such as {@code 0600} (no file type bits)
 * @param uid the owning user id inside the guest
 * @param gid the owning group id inside the guest
 */
public record GuestFileAttributes(int permissions, int uid, int gid) {

  /** Rejects permission bits outside {@code 07777} and negative ids. */
  public GuestFileAttributes {
    if (permissions < 0 || permissions > 07777) {
      throw new IllegalArgumentException(
          "permissions %o are not in 0..07777".formatted(permissions));
    }
    if (uid < 0 || gid < 0) {
      throw new IllegalArgumentException(
          "uid %d and gid %d must not be negative".formatted(uid, gid));
    }
  }

  /** Owned by root (uid and gid 0) with the given permission bits. */
  public static GuestFileAttributes root(int permissions) {
    return new GuestFileAttributes(permissions, 0, 0);
  }
}
