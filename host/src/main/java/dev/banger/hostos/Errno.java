package dev.banger.hostos;

/**
 * A Linux {@code errno} value as reported by a failed system call, with the C library's description
 * of it. Immutable and thread-safe.
 *
 * @param code the numeric error, such as 18 for {@code EXDEV}
 */
public record Errno(int code) {
  /** Operation not permitted. */
  public static final Errno EPERM = new Errno(1);

  /** No such device or address; {@code lseek(SEEK_DATA)} past the last data. */
  public static final Errno ENXIO = new Errno(6);

  /** Invalid argument; FICLONE on files or ranges the filesystem cannot share. */
  public static final Errno EINVAL = new Errno(22);

  /** Cross-device link; FICLONE between two filesystems. */
  public static final Errno EXDEV = new Errno(18);

  /** Inappropriate ioctl for device; FICLONE on a file that is not a regular file. */
  public static final Errno ENOTTY = new Errno(25);

  /** Operation not supported; FICLONE on a filesystem without reflink. */
  public static final Errno EOPNOTSUPP = new Errno(95);

  /** The C library's description, such as "Invalid cross-device link". */
  public String message() {
    return LibC.strerror(code);
  }

  @Override
  public String toString() {
    return message() + " (errno " + code + ")";
  }
}
