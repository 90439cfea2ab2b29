package dev.banger.hostos;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A file opened with {@code open(2)} through FFM, for the calls Java's own channels do not offer:
 * {@code ioctl(FICLONE)} and {@code lseek(SEEK_DATA/SEEK_HOLE)}. The descriptor is opened with
 * {@code O_CLOEXEC} so that child processes (VMMs, {@code losetup}) do not inherit it.
 *
 * <p>Not thread-safe: one owner uses and closes it.
 */
public final class NativeFile implements AutoCloseable {
  private static final int O_RDONLY = 0;
  private static final int O_RDWR = 2;
  private static final int O_CREAT = 0100;
  private static final int O_EXCL = 0200;
  private static final int O_CLOEXEC = 02000000;
  private static final int SEEK_DATA = 3;
  private static final int SEEK_HOLE = 4;

  private final Path path;
  private final int descriptor;
  private boolean closed;

  private NativeFile(Path path, int descriptor) {
    this.path = path;
    this.descriptor = descriptor;
  }

  /** Opens an existing file read-only. */
  public static NativeFile openForReading(Path path) throws NativeCallException {
    return open(path, O_RDONLY | O_CLOEXEC, 0, "open for reading");
  }

  /**
   * Creates {@code path}, which must not exist yet, and opens it for reading and writing.
   *
   * @param mode permission bits for the new file, such as {@code 0600}
   */
  public static NativeFile createNew(Path path, int mode) throws NativeCallException {
    return open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode, "create");
  }

  private static NativeFile open(Path path, int flags, int mode, String action)
      throws NativeCallException {
    LibC.Outcome outcome = LibC.open(path.toString(), flags, mode);
    if (outcome.failed()) {
      throw new NativeCallException(
          "could not %s '%s'".formatted(action, path), new Errno(outcome.errno()));
    }
    return new NativeFile(path, (int) outcome.value());
  }

  /** The path this file was opened with. */
  public Path path() {
    return path;
  }

  /** The kernel file descriptor, valid until {@link #close()}. */
  public int descriptor() {
    return descriptor;
  }

  /**
   * The offset of the first byte of data at or after {@code offset}, or empty when only a hole (or
   * the end of the file) follows. Filesystems without hole tracking report the whole file as data,
   * which is correct, only slower to copy.
   */
  public OptionalLong nextData(long offset) throws NativeCallException {
    LibC.Outcome outcome = LibC.lseek(descriptor, offset, SEEK_DATA);
    if (outcome.failed() && outcome.errno() == Errno.ENXIO.code()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(checkSeek(outcome, "SEEK_DATA", offset));
  }

  /** The offset of the first hole at or after {@code offset}; the file size if there is none. */
  public long nextHole(long offset) throws NativeCallException {
    return checkSeek(LibC.lseek(descriptor, offset, SEEK_HOLE), "SEEK_HOLE", offset);
  }

  private long checkSeek(LibC.Outcome outcome, String whence, long offset)
      throws NativeCallException {
    if (outcome.failed()) {
      throw new NativeCallException(
          "lseek(%s, %d) failed on '%s'".formatted(whence, offset, path),
          new Errno(outcome.errno()));
    }
    return outcome.value();
  }

  /** Closes the descriptor; a second call does nothing. */
  @Override
  public void close() throws NativeCallException {
    if (closed) {
      return;
    }
    closed = true;
    LibC.Outcome outcome = LibC.close(descriptor);
    if (outcome.failed()) {
      throw new NativeCallException(
          "could not close '%s'".formatted(path), new Errno(outcome.errno()));
    }
  }
}
