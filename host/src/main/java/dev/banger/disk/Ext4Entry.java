package dev.banger.disk;

/**
 * A file or directory found in an ext4 image by {@link Ext4Files#stat}. Immutable and thread-safe.
 *
 * @param path the absolute path inside the image
 * @param type the inode type as debugfs names it: {@code regular}, {@code directory}, {@code
 *     symlink}...
 * @param permissions the permission bits, such as {@code 0600}
 * @param uid the owning user id
 * @param gid the owning group id
 * @param size the size in bytes
 */
public record Ext4Entry(String path, String type, int permissions, int uid, int gid, long size) {

  /** True for a directory. */
  public boolean isDirectory() {
    return "directory".equals(type);
  }

  /** True for a regular file. */
  public boolean isRegularFile() {
    return "regular".equals(type);
  }
}
