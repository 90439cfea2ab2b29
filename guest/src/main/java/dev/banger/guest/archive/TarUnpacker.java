package dev.banger.guest.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks a tar stream from an untrusted guest into a host directory. No entry may leave the
 * target: absolute names and {@code ..} are refused, and no entry is written through a symbolic
 * link (one that an earlier entry may have planted). Regular files, directories, symbolic and hard
 * links are created; devices and fifos are skipped. Modes keep the permission bits but never
 * setuid, setgid or sticky; times are kept. The total size is bounded. Not thread-safe; use one
 * instance per archive.
 */
public final class TarUnpacker {
  private static final int MAX_ENTRIES = 1_000_000;

  private final Path root;
  private final long maxBytes;
  private final Deque<PendingDir> dirs = new ArrayDeque<>();
  private long written;
  private int entries;

  private record PendingDir(Path path, int mode, FileTime mtime) {}

  private TarUnpacker(Path root, long maxBytes) {
    this.root = root;
    this.maxBytes = maxBytes;
  }

  /**
   * Extracts {@code in} into {@code target} (created if missing), writing at most {@code maxBytes}
   * of file content. Reads {@code in} to its end.
   */
  public static void unpack(InputStream in, Path target, long maxBytes) throws IOException {
    Files.createDirectories(target);
    TarUnpacker u = new TarUnpacker(target.toRealPath(), maxBytes);
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      u.entry(tar, e);
    }
    u.finishDirectories();
    in.transferTo(OutputStream.nullOutputStream());
  }

  private void entry(InputStream tar, TarArchiveEntry e) throws IOException {
    if (++entries > MAX_ENTRIES) {
      throw new ArchiveException("archive has more than " + MAX_ENTRIES + " entries", true);
    }
    String rel = clean(e.getName());
    if (rel.isEmpty()) {
      if (e.isDirectory()) {
        dirs.push(new PendingDir(root, e.getMode(), e.getLastModifiedTime()));
      }
      return;
    }
    Path target = root.resolve(rel);
    ensureParent(target);
    if (e.isDirectory()) {
      directory(target, e);
    } else if (e.isSymbolicLink()) {
      replace(target);
      Files.createSymbolicLink(target, Path.of(e.getLinkName()));
      setTime(target, e.getLastModifiedTime());
    } else if (e.isLink()) {
      Path existing = root.resolve(clean(e.getLinkName()));
      ensureParent(existing);
      replace(target);
      Files.createLink(target, existing);
    } else if (e.isFile()) {
      file(tar, target, e);
    }
  }

  /** The entry name relative to the root: no leading slash, no "." parts, no "..". */
  static String clean(String name) throws ArchiveException {
    StringBuilder out = new StringBuilder();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..") || part.indexOf('\0') >= 0) {
        throw new ArchiveException(
            "refusing archive entry \"" + name + "\": it leaves the target", false);
      }
      if (!out.isEmpty()) {
        out.append('/');
      }
      out.append(part);
    }
    return out.toString();
  }

  /** Creates missing parents one by one, refusing any that is a link or not a directory. */
  private void ensureParent(Path target) throws IOException {
    Path dir = root;
    Path parent = target.getParent();
    for (Path part : root.relativize(parent)) {
      dir = dir.resolve(part);
      if (Files.isSymbolicLink(dir)) {
        throw new ArchiveException(
            "refusing to write \""
                + root.relativize(target)
                + "\" through the symbolic link \""
                + root.relativize(dir)
                + "\"",
            false);
      }
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(dir);
      } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new ArchiveException(
            "\""
                + root.relativize(dir)
                + "\" is not a directory but the archive puts entries"
                + " below it",
            false);
      }
    }
  }

  private void directory(Path target, TarArchiveEntry e) throws IOException {
    if (Files.isSymbolicLink(target) || Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(target);
    }
    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectory(target);
    }
    dirs.push(new PendingDir(target, e.getMode(), e.getLastModifiedTime()));
  }

  private void file(InputStream tar, Path target, TarArchiveEntry e) throws IOException {
    replace(target);
    try (OutputStream out =
        Files.newOutputStream(
            target,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[65536];
      int n;
      while ((n = tar.read(buf)) > 0) {
        written += n;
        if (written > maxBytes) {
          throw new ArchiveException(
              "archive holds more than the limit of "
                  + maxBytes
                  + " bytes (at \""
                  + root.relativize(target)
                  + "\")",
              true);
        }
        out.write(buf, 0, n);
      }
    }
    Files.setPosixFilePermissions(target, FileMode.toPermissions(e.getMode()));
    setTime(target, e.getLastModifiedTime());
  }

  /** Removes what is at {@code target} unless it is a directory, so a link is never followed. */
  private static void replace(Path target) throws IOException {
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(target.toString(), null, "is a directory");
    }
    Files.deleteIfExists(target);
  }

  /** Applied deepest first, after the content: adding entries would change the times. */
  private void finishDirectories() throws IOException {
    while (!dirs.isEmpty()) {
      PendingDir d = dirs.pop();
      Files.setPosixFilePermissions(d.path(), FileMode.toPermissions(d.mode()));
      setTime(d.path(), d.mtime());
    }
  }

  private static void setTime(Path p, FileTime mtime) throws IOException {
    Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setTimes(mtime, null, null);
  }
}
