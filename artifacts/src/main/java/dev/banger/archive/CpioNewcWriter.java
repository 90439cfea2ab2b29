package dev.banger.archive;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Writes a cpio archive in the "newc" format (magic 070701), the format the Linux kernel unpacks as
 * an initramfs. Each entry is a 110-byte ASCII header of thirteen 8-digit hexadecimal fields, the
 * NUL-terminated name, then the content, name and content each padded to 4 bytes; the archive ends
 * with the entry "TRAILER!!!".
 *
 * <p>Entries carry owner root (uid and gid 0) whatever the writing user is, since they describe the
 * guest's files. Paths are relative ("bin/busybox"), parents come before children, and each path
 * may appear once. Hard links are not written.
 *
 * <p>Not thread-safe: one thread writes an archive from start to end.
 */
public final class CpioNewcWriter implements Closeable {

  /** The magic of the newc format, the first six bytes of every header. */
  public static final String MAGIC = "070701";

  private static final int TYPE_DIRECTORY = 0040000;
  private static final int TYPE_FILE = 0100000;
  private static final int TYPE_SYMLINK = 0120000;
  private static final int TYPE_CHARACTER_DEVICE = 0020000;
  private static final long MAX_FIELD = 0xFFFF_FFFFL;

  private final OutputStream out;
  private final Set<String> written = new HashSet<>();
  private long position;
  private int nextInode = 1;
  private boolean finished;

  /** Writes the archive to {@code out}, which this writer closes when it is closed. */
  public CpioNewcWriter(OutputStream out) {
    this.out = out;
  }

  /** Adds a directory with permission bits {@code mode} and modification time {@code mtime}. */
  public void directory(String path, int mode, long mtime) throws IOException {
    header(path, TYPE_DIRECTORY | (mode & 07777), 2, mtime, 0, 0, 0);
    pad();
  }

  /** Adds a regular file whose content is {@code content}. */
  public void file(String path, int mode, long mtime, byte[] content) throws IOException {
    header(path, TYPE_FILE | (mode & 07777), 1, mtime, content.length, 0, 0);
    write(content, content.length);
    pad();
  }

  /** Adds a regular file whose content is copied from the host file {@code source}. */
  public void file(String path, int mode, long mtime, Path source) throws IOException {
    long size = Files.size(source);
    header(path, TYPE_FILE | (mode & 07777), 1, mtime, size, 0, 0);
    long copied = 0;
    try (InputStream in = Files.newInputStream(source)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while (copied < size
          && (n = in.read(buffer, 0, (int) Math.min(buffer.length, size - copied))) > 0) {
        write(buffer, n);
        copied += n;
      }
    }
    if (copied != size) {
      throw new IOException(
          "File '"
              + source
              + "' changed size while it was added to the cpio archive as '"
              + path
              + "': expected "
              + size
              + " bytes, read "
              + copied);
    }
    pad();
  }

  /** Adds a symbolic link pointing to {@code target}. */
  public void symlink(String path, String target, long mtime) throws IOException {
    byte[] content = target.getBytes(StandardCharsets.UTF_8);
    header(path, TYPE_SYMLINK | 0777, 1, mtime, content.length, 0, 0);
    write(content, content.length);
    pad();
  }

  /** Adds a character device node (the guest kernel creates it; the host needs no privilege). */
  public void characterDevice(String path, int mode, int major, int minor) throws IOException {
    header(path, TYPE_CHARACTER_DEVICE | (mode & 07777), 1, 0, 0, major, minor);
    pad();
  }

  /** Writes the trailer entry. Called by {@link #close()} if not called before. */
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    writeHeader("TRAILER!!!", 0, 0, 1, 0, 0, 0, 0);
    pad();
    finished = true;
    out.flush();
  }

  @Override
  public void close() throws IOException {
    try {
      finish();
    } finally {
      out.close();
    }
  }

  private void header(
      String path, int mode, int links, long mtime, long size, int rdevMajor, int rdevMinor)
      throws IOException {
    checkPath(path);
    if (!written.add(path)) {
      throw new IOException("cpio entry '" + path + "' was already written");
    }
    if (size > MAX_FIELD) {
      throw new IOException(
          "cpio entry '" + path + "' is " + size + " bytes, more than newc can describe");
    }
    writeHeader(path, nextInode++, mode, links, Math.max(0, mtime), size, rdevMajor, rdevMinor);
  }

  private void writeHeader(
      String path,
      int inode,
      int mode,
      int links,
      long mtime,
      long size,
      int rdevMajor,
      int rdevMinor)
      throws IOException {
    if (finished) {
      throw new IOException("cpio archive is already finished; cannot add '" + path + "'");
    }
    byte[] name = (path + "\0").getBytes(StandardCharsets.UTF_8);
    StringBuilder header = new StringBuilder(110).append(MAGIC);
    long[] fields = {
      inode, mode, 0, 0, links, mtime & MAX_FIELD, size, 0, 0, rdevMajor, rdevMinor, name.length, 0
    };
    for (long field : fields) {
      header.append(String.format(Locale.ROOT, "%08X", field));
    }
    byte[] headerBytes = header.toString().getBytes(StandardCharsets.US_ASCII);
    write(headerBytes, headerBytes.length);
    write(name, name.length);
    pad();
  }

  private static void checkPath(String path) throws IOException {
    if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.indexOf('\0') >= 0) {
      throw new IOException("cpio entry path '" + path + "' must be relative and non-empty");
    }
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw new IOException("cpio entry path '" + path + "' has an empty, '.' or '..' part");
      }
    }
  }

  private void write(byte[] bytes, int length) throws IOException {
    out.write(bytes, 0, length);
    position += length;
  }

  private void pad() throws IOException {
    while (position % 4 != 0) {
      out.write(0);
      position++;
    }
  }
}
