package dev.banger.disk;

import dev.banger.hostos.Errno;
import dev.banger.hostos.Ioctl;
import dev.banger.hostos.NativeCallException;
import dev.banger.hostos.NativeFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Makes a file a reflink clone of another with {@code ioctl(FICLONE)}: the clone shares every
 * extent with its source until one of them is written, so it costs no copy whatever the size.
 *
 * <p>Stateless and thread-safe.
 */
public final class ReflinkClone {
  /** The errors that mean "this filesystem or pair of files cannot share extents". */
  private static final Set<Errno> UNSUPPORTED =
      Set.of(Errno.EOPNOTSUPP, Errno.EXDEV, Errno.EINVAL, Errno.ENOTTY);

  private static final int FILE_MODE = 0600;

  private ReflinkClone() {}

  /**
   * Creates {@code destination} (which must not exist) as a clone of {@code source}.
   *
   * @return true when the clone was made; false, with no destination left behind, when the
   *     filesystem cannot clone these two files (no reflink support, or two filesystems)
   * @throws DiskException when a file cannot be opened or the clone fails for another reason
   */
  public static boolean tryClone(Path source, Path destination) throws DiskException {
    try (NativeFile from = NativeFile.openForReading(source);
        NativeFile to = NativeFile.createNew(destination, FILE_MODE)) {
      return cloneOrRemove(from, to);
    } catch (NativeCallException e) {
      throw new DiskException(
          "could not reflink-clone '%s' to '%s'".formatted(source, destination), e);
    }
  }

  private static boolean cloneOrRemove(NativeFile from, NativeFile to)
      throws NativeCallException, DiskException {
    try {
      Ioctl.ficlone(to, from);
      return true;
    } catch (NativeCallException e) {
      delete(to.path());
      if (UNSUPPORTED.contains(e.errno())) {
        return false;
      }
      throw e;
    }
  }

  private static void delete(Path file) throws DiskException {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new DiskException("could not remove the failed clone '%s'".formatted(file), e);
    }
  }
}
