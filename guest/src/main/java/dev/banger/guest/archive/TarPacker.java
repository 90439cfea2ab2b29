package dev.banger.guest.archive;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a host directory as a tar stream: the directory itself as {@code ./}, then every entry
 * below it by relative name, with modes and modification times. Symbolic links are stored as links,
 * never followed; sockets, fifos and devices are left out. Stateless and thread-safe.
 */
public final class TarPacker {
  private TarPacker() {}

  /** Writes the tree under {@code dir} to {@code out}; does not close {@code out}. */
  public static void pack(Path dir, OutputStream out) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new ArchiveException("\"" + dir + "\" is not a directory", false);
    }
    TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosing(out));
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    Files.walkFileTree(dir, new Visitor(dir, tar));
    tar.finish();
    tar.close();
  }

  private static final class Visitor extends SimpleFileVisitor<Path> {
    private final Path root;
    private final TarArchiveOutputStream tar;

    Visitor(Path root, TarArchiveOutputStream tar) {
      this.root = root;
      this.tar = tar;
    }

    @Override
    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
        throws IOException {
      String rel = root.relativize(dir).toString();
      add(dir, rel.isEmpty() ? "./" : rel + "/", TarConstants.LF_DIR, 0);
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
      String rel = root.relativize(file).toString();
      if (attrs.isSymbolicLink()) {
        TarArchiveEntry e = entry(file, rel, TarConstants.LF_SYMLINK, 0);
        e.setLinkName(Files.readSymbolicLink(file).toString());
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
      } else if (attrs.isRegularFile()) {
        add(file, rel, TarConstants.LF_NORMAL, attrs.size());
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
      throw new ArchiveException("reading \"" + file + "\" for the archive failed", e);
    }

    private void add(Path path, String name, byte type, long size) throws IOException {
      TarArchiveEntry e = entry(path, name, type, size);
      tar.putArchiveEntry(e);
      if (type == TarConstants.LF_NORMAL) {
        long copied = Files.copy(path, tar);
        if (copied != size) {
          throw new ArchiveException(
              "\""
                  + path
                  + "\" changed size while being archived ("
                  + size
                  + " then "
                  + copied
                  + " bytes)",
              false);
        }
      }
      tar.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(Path path, String name, byte type, long size)
        throws IOException {
      // unix:mode carries setuid, setgid and sticky bits, which POSIX permissions cannot.
      int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      TarArchiveEntry e = new TarArchiveEntry(name, type);
      e.setMode(mode & 07777);
      e.setSize(size);
      e.setModTime(Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS));
      return e;
    }
  }

  /** Lets the tar stream write its end blocks without closing the caller's stream. */
  private static final class NonClosing extends FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
