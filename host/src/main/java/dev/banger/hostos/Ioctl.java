package dev.banger.hostos;

/**
 * The {@code ioctl(2)} requests banger issues itself rather than through a command-line tool.
 *
 * <p>Stateless and thread-safe.
 */
public final class Ioctl {
  /** {@code FICLONE = _IOW(0x94, 9, int)}: share all extents of the source file. */
  static final long FICLONE = 0x40049409L;

  private Ioctl() {}

  /**
   * Makes {@code destination} a reflink clone of {@code source}: both files share the same extents
   * until one of them is written, so the clone costs no data copy.
   *
   * @throws NativeCallException carrying the errno: {@code EOPNOTSUPP} or {@code EINVAL} when the
   *     filesystem cannot share extents, {@code EXDEV} when the files are on two filesystems
   */
  public static void ficlone(NativeFile destination, NativeFile source) throws NativeCallException {
    LibC.Outcome outcome = LibC.ioctl(destination.descriptor(), FICLONE, source.descriptor());
    if (outcome.failed()) {
      throw new NativeCallException(
          "FICLONE of '%s' onto '%s' failed".formatted(source.path(), destination.path()),
          new Errno(outcome.errno()));
    }
  }
}
