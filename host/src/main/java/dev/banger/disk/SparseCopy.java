package dev.banger.disk;

import dev.banger.hostos.NativeFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Copies a disk image by its data extents only: {@code lseek(SEEK_DATA/SEEK_HOLE)} finds where the
 * data is, only those ranges are copied, and the destination gets the same size with holes where
 * the source has them. A mostly empty 8 GiB image copies in the time of its data.
 *
 * <p>Stateless and thread-safe.
 */
public final class SparseCopy {
  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private SparseCopy() {}

  /**
   * Copies {@code source} to {@code destination}, which must not exist.
   *
   * @return the number of bytes of data copied (the holes are not counted)
   */
  public static long copy(Path source, Path destination) throws DiskException {
    try {
      Files.createFile(destination, OWNER_ONLY);
    } catch (IOException e) {
      throw new DiskException(
          "could not create '%s' for a sparse copy of '%s'".formatted(destination, source), e);
    }
    try {
      return copyExtents(source, destination);
    } catch (IOException e) {
      RootDiskFactory.deleteAfterFailure(e, destination);
      throw new DiskException(
          "could not make a sparse copy of '%s' at '%s'".formatted(source, destination), e);
    }
  }

  private static long copyExtents(Path source, Path destination) throws IOException {
    long copied = 0;
    try (NativeFile extents = NativeFile.openForReading(source);
        FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        RandomAccessFile outFile = new RandomAccessFile(destination.toFile(), "rw")) {
      FileChannel out = outFile.getChannel();
      long size = in.size();
      long offset = 0;
      while (offset < size) {
        OptionalLong data = extents.nextData(offset);
        if (data.isEmpty()) {
          break;
        }
        long start = data.getAsLong();
        long end = Math.min(extents.nextHole(start), size);
        transfer(in, out, start, end);
        copied += end - start;
        offset = end;
      }
      // Extending the length last leaves the tail after the final data extent as a hole.
      outFile.setLength(size);
    }
    return copied;
  }

  private static void transfer(FileChannel in, FileChannel out, long start, long end)
      throws IOException {
    long position = start;
    while (position < end) {
      out.position(position);
      long moved = in.transferTo(position, end - position, out);
      if (moved <= 0) {
        throw new IOException("the source ended early at byte " + position);
      }
      position += moved;
    }
  }
}
