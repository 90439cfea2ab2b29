package dev.banger.archive;

import dev.banger.archive.ArchiveEntryInfo.Kind;
import dev.banger.archive.EntryVerifier.ContentCheck;
import dev.banger.download.Cancellation;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extracts tar archives (plain, gzip, zstd or xz, recognised by magic bytes) from untrusted sources
 * into a root directory so that nothing is written outside it.
 *
 * <p>Refused, with an error naming the archive and the entry: absolute paths and ".." components;
 * symbolic links whose target is absolute or resolves outside the root (directly or through other
 * links of the archive); hard links to anything but a regular file extracted earlier; entries
 * written through a symbolic link; device files and FIFOs; more entries or more content bytes than
 * the {@link ExtractionLimits}. Permission bits and modification times are kept.
 *
 * <p>The root must be absent or an empty directory. On any failure the extractor removes what it
 * wrote, so the root is left empty (or absent, if the extractor created it).
 *
 * <p>Runs of zeros in file content become holes, so sparse disk images stay sparse.
 *
 * <p>Limitations: set-user-id, set-group-id and sticky bits are dropped and files are owned by the
 * extracting user, deliberately, since the archive is not trusted.
 *
 * <p>Instances are immutable and thread-safe; each extraction runs on the calling thread.
 */
public final class SafeExtractor {

  private static final Logger LOG = LoggerFactory.getLogger(SafeExtractor.class);
  private static final int MAX_LINK_HOPS = 40;
  private static final int BUFFER_SIZE = 1 << 16;

  private final ExtractionLimits limits;

  /** Creates an extractor that enforces {@code limits}. */
  public SafeExtractor(ExtractionLimits limits) {
    this.limits = limits;
  }

  /** Extracts the tar archive at {@code archive} into {@code root}, accepting every entry. */
  public ExtractionSummary extract(Path archive, Path root) throws ArchiveExtractionException {
    return extract(archive, root, EntryVerifier.ACCEPT_ALL, Cancellation.create());
  }

  /**
   * Extracts the tar archive at {@code archive} into {@code root}, letting {@code verifier} inspect
   * every entry.
   *
   * @throws CancellationException if {@code cancellation} fires; the root is cleaned up first
   */
  public ExtractionSummary extract(
      Path archive, Path root, EntryVerifier verifier, Cancellation cancellation)
      throws ArchiveExtractionException {
    try (InputStream in = Files.newInputStream(archive)) {
      return extract(in, "'" + archive + "'", root, verifier, cancellation);
    } catch (IOException e) {
      throw new ArchiveExtractionException(
          "Cannot open archive '" + archive + "' for extraction: " + e.getMessage(), e);
    }
  }

  /**
   * Extracts a tar archive read from {@code in} into {@code root}.
   *
   * @param source how to name the archive in errors (a quoted path or a URL)
   */
  public ExtractionSummary extract(
      InputStream in, String source, Path root, EntryVerifier verifier, Cancellation cancellation)
      throws ArchiveExtractionException {
    Path absoluteRoot = root.toAbsolutePath().normalize();
    boolean createdRoot = prepareRoot(absoluteRoot, source);
    Extraction extraction =
        new Extraction(source, realPath(absoluteRoot, source), verifier, cancellation);
    try {
      extraction.run(new BufferedInputStream(in, BUFFER_SIZE));
      return new ExtractionSummary(extraction.entries, extraction.bytes);
    } catch (ArchiveExtractionException | RuntimeException e) {
      removeAll(absoluteRoot, createdRoot, e);
      throw e;
    }
  }

  private static boolean prepareRoot(Path root, String source) throws ArchiveExtractionException {
    try {
      if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(root);
        return true;
      }
      if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
        throw new ArchiveExtractionException(
            "Cannot extract " + source + " into '" + root + "': it is not a directory");
      }
      try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
        if (children.iterator().hasNext()) {
          throw new ArchiveExtractionException(
              "Cannot extract " + source + " into '" + root + "': the directory is not empty");
        }
      }
      return false;
    } catch (IOException e) {
      throw new ArchiveExtractionException(
          "Cannot prepare extraction root '" + root + "' for " + source + ": " + e.getMessage(), e);
    }
  }

  private static Path realPath(Path root, String source) throws ArchiveExtractionException {
    try {
      return root.toRealPath();
    } catch (IOException e) {
      throw new ArchiveExtractionException(
          "Cannot resolve extraction root '" + root + "' for " + source, e);
    }
  }

  private static void removeAll(Path root, boolean createdRoot, Exception failure) {
    try {
      FileTrees.deleteContents(root);
      if (createdRoot) {
        Files.deleteIfExists(root);
      }
    } catch (IOException e) {
      failure.addSuppressed(e);
      LOG.warn("Could not clean up extraction root '{}' after a failed extraction", root, e);
    }
  }

  /** The state of one extraction; confined to the extracting thread. */
  private final class Extraction {
    private final String source;
    private final Path root;
    private final EntryVerifier verifier;
    private final Cancellation cancellation;
    private final List<Path> symlinks = new ArrayList<>();
    private final List<PendingDirectory> directories = new ArrayList<>();
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private long entries;
    private long bytes;

    Extraction(String source, Path root, EntryVerifier verifier, Cancellation cancellation) {
      this.source = source;
      this.root = root;
      this.verifier = verifier;
      this.cancellation = cancellation;
    }

    void run(BufferedInputStream in) throws ArchiveExtractionException {
      try (TarArchiveInputStream tar =
          new TarArchiveInputStream(TarCompression.decompressing(in))) {
        TarArchiveEntry entry;
        while ((entry = nextEntry(tar)) != null) {
          cancellation.throwIfCancelled("Extraction of " + source);
          extractEntry(tar, entry);
        }
      } catch (IOException e) {
        throw new ArchiveExtractionException(
            "Cannot read archive " + source + " after " + entries + " entries: " + e.getMessage(),
            e);
      }

      // Links are checked again once every entry exists: a chain of links that are each
      // harmless on their own can still lead outside the root.
      for (Path link : symlinks) {
        checkResolvesInside(link);
      }

      // Directory modes last: a read-only directory would otherwise refuse its children.
      for (PendingDirectory directory : directories.reversed()) {
        applyAttributes(directory.path(), directory.mode(), directory.modified());
      }
    }

    private TarArchiveEntry nextEntry(TarArchiveInputStream tar) throws ArchiveExtractionException {
      try {
        return tar.getNextEntry();
      } catch (IOException e) {
        throw new ArchiveExtractionException(
            "Archive " + source + " is malformed after " + entries + " entries: " + e.getMessage(),
            e);
      }
    }

    private void extractEntry(TarArchiveInputStream tar, TarArchiveEntry entry)
        throws ArchiveExtractionException, IOException {
      String name = EntryPaths.normalize(entry.getName(), source);
      Kind kind = kindOf(entry, tar, name);
      if (name.isEmpty()) {
        if (kind == Kind.DIRECTORY) {
          return;
        }
        throw refuse(entry.getName(), "its path names the extraction root itself");
      }
      ArchiveEntryInfo info = describe(entry, name, kind);
      checkLimits(info);
      ContentCheck check = verifier.begin(info);
      Path target = root.resolve(name);
      switch (kind) {
        case DIRECTORY -> writeDirectory(info, target);
        case FILE -> writeFile(tar, info, target, check);
        case SYMLINK -> writeSymlink(info, target);
        case HARDLINK -> writeHardLink(info, target);
      }
    }

    private static ArchiveEntryInfo describe(TarArchiveEntry entry, String name, Kind kind) {
      boolean link = kind == Kind.SYMLINK || kind == Kind.HARDLINK;
      return new ArchiveEntryInfo(
          name,
          kind,
          kind == Kind.FILE ? entry.getSize() : 0,
          link ? entry.getLinkName() : "",
          entry.getMode() & 0777,
          entry.getLastModifiedTime().toInstant());
    }

    private void checkLimits(ArchiveEntryInfo info) throws ArchiveExtractionException {
      if (++entries > limits.maxEntries()) {
        throw refuse(info.path(), "the archive has more than " + limits.maxEntries() + " entries");
      }
      if (info.size() > limits.maxTotalBytes() - bytes) {
        throw refuse(
            info.path(),
            "it would bring the content past the limit of " + limits.maxTotalBytes() + " bytes");
      }
    }

    private Kind kindOf(TarArchiveEntry entry, TarArchiveInputStream tar, String name)
        throws ArchiveExtractionException {
      if (entry.isCharacterDevice() || entry.isBlockDevice()) {
        throw refuse(name, "it is a device file");
      }
      if (entry.isFIFO()) {
        throw refuse(name, "it is a FIFO");
      }
      if (entry.isSymbolicLink()) {
        return Kind.SYMLINK;
      }
      if (entry.isLink()) {
        return Kind.HARDLINK;
      }
      if (entry.isDirectory()) {
        return Kind.DIRECTORY;
      }
      byte flag = entry.getLinkFlag();
      boolean regular =
          flag == TarArchiveEntry.LF_NORMAL
              || flag == TarArchiveEntry.LF_OLDNORM
              || flag == TarArchiveEntry.LF_CONTIG
              || entry.isSparse();
      if (!regular) {
        throw refuse(name, "its type '" + (char) flag + "' is not supported");
      }
      if (!tar.canReadEntryData(entry)) {
        throw refuse(name, "its content is stored in a form the reader cannot decode");
      }
      return Kind.FILE;
    }

    private void writeDirectory(ArchiveEntryInfo info, Path target)
        throws ArchiveExtractionException, IOException {
      createParents(info.path(), target);
      if (Files.isSymbolicLink(target)) {
        throw refuse(info.path(), "a symbolic link of the archive already sits at that path");
      }
      if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        Files.deleteIfExists(target);
        Files.createDirectory(target);
      }
      directories.add(new PendingDirectory(target, info.mode(), info.modified()));
    }

    private void writeFile(
        TarArchiveInputStream tar, ArchiveEntryInfo info, Path target, ContentCheck check)
        throws ArchiveExtractionException, IOException {
      createParents(info.path(), target);
      replaceNonDirectory(info.path(), target);
      long written = 0;
      // CREATE_NEW opens with O_EXCL, which never follows a link that might appear meanwhile.
      try (SeekableByteChannel out =
          Files.newByteChannel(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        int n;
        while ((n = tar.read(buffer)) > 0) {
          written += n;
          if (bytes + written > limits.maxTotalBytes()) {
            throw refuse(
                info.path(),
                "its content goes past the limit of " + limits.maxTotalBytes() + " bytes");
          }
          check.update(buffer, 0, n);
          writeOrSkipZeros(out, n);
          cancellation.throwIfCancelled("Extraction of " + source);
        }
        endFile(out, written);
      }
      bytes += written;
      check.finish();
      applyAttributes(target, info.mode(), info.modified());
    }

    /**
     * Leaves runs of zeros as holes: disk images in bundles are mostly zeros and would otherwise
     * occupy their full size once extracted.
     */
    private void writeOrSkipZeros(SeekableByteChannel out, int length) throws IOException {
      if (isZero(buffer, length)) {
        out.position(out.position() + length);
      } else {
        ByteBuffer data = ByteBuffer.wrap(buffer, 0, length);
        while (data.hasRemaining()) {
          out.write(data);
        }
      }
    }

    private void endFile(SeekableByteChannel out, long length) throws IOException {
      if (out.size() < length) {
        // The file ends in a hole: writing its last byte gives it its full length.
        out.position(length - 1);
        out.write(ByteBuffer.wrap(new byte[1]));
      }
    }

    private void writeSymlink(ArchiveEntryInfo info, Path target)
        throws ArchiveExtractionException, IOException {
      String linkTarget = info.linkTarget();
      if (linkTarget.isEmpty() || linkTarget.indexOf('\0') >= 0) {
        throw refuse(info.path(), "its link target is empty or contains a NUL byte");
      }
      if (linkTarget.startsWith("/")) {
        throw refuse(
            info.path(), "it is a symbolic link to the absolute path '" + linkTarget + "'");
      }
      Path resolved = target.getParent().resolve(linkTarget).normalize();
      if (!resolved.startsWith(root)) {
        throw refuse(
            info.path(), "it is a symbolic link to '" + linkTarget + "', outside the root");
      }
      createParents(info.path(), target);
      replaceNonDirectory(info.path(), target);
      Files.createSymbolicLink(target, Path.of(linkTarget));
      Files.getFileAttributeView(target, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(FileTime.from(info.modified()), null, null);
      symlinks.add(target);
    }

    private void writeHardLink(ArchiveEntryInfo info, Path target)
        throws ArchiveExtractionException, IOException {
      String linked;
      try {
        linked = EntryPaths.normalize(info.linkTarget(), source);
      } catch (ArchiveExtractionException e) {
        throw refuse(
            info.path(), "it is a hard link to '" + info.linkTarget() + "', outside the root", e);
      }
      Path existing = root.resolve(linked);
      checkNoLinkOnTheWay(info.path(), existing);
      if (linked.isEmpty() || !Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
        throw refuse(
            info.path(),
            "it is a hard link to '"
                + info.linkTarget()
                + "', which is not a regular file extracted earlier from this archive");
      }
      createParents(info.path(), target);
      replaceNonDirectory(info.path(), target);
      Files.createLink(target, existing);
    }

    /** Creates the missing parents of {@code target}, refusing to pass through a link. */
    private void createParents(String name, Path target)
        throws ArchiveExtractionException, IOException {
      Path current = root;
      for (Path component : root.relativize(target.getParent())) {
        current = current.resolve(component);
        if (Files.isSymbolicLink(current)) {
          throw refuse(
              name,
              "it would be written through the symbolic link '" + root.relativize(current) + "'");
        }
        if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectory(current);
        } else if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
          throw refuse(name, "its parent '" + root.relativize(current) + "' is not a directory");
        }
      }
    }

    private void checkNoLinkOnTheWay(String name, Path target) throws ArchiveExtractionException {
      Path current = root;
      for (Path component : root.relativize(target)) {
        current = current.resolve(component);
        if (Files.isSymbolicLink(current)) {
          throw refuse(
              name,
              "its link target passes through the symbolic link '"
                  + root.relativize(current)
                  + "'");
        }
      }
    }

    private void replaceNonDirectory(String name, Path target)
        throws ArchiveExtractionException, IOException {
      if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        throw refuse(name, "a directory of the archive already sits at that path");
      }
      // A later entry replaces an earlier one, as tar does; deleting a link removes the link.
      Files.deleteIfExists(target);
    }

    private void checkResolvesInside(Path link) throws ArchiveExtractionException {
      List<String> resolved = new ArrayList<>();
      List<String> pending = new ArrayList<>(components(root.relativize(link).toString()));
      int hops = 0;
      while (!pending.isEmpty()) {
        String component = pending.removeFirst();
        if (component.equals("..")) {
          if (resolved.isEmpty()) {
            throw refuse(
                root.relativize(link).toString(),
                "following its chain of symbolic links leads outside the root");
          }
          resolved.removeLast();
          continue;
        }
        Path candidate = root.resolve(String.join("/", resolved)).resolve(component);
        if (!Files.isSymbolicLink(candidate)) {
          resolved.add(component);
          continue;
        }
        if (++hops > MAX_LINK_HOPS) {
          throw refuse(root.relativize(link).toString(), "its chain of symbolic links is too long");
        }
        String target = readLink(candidate);
        if (target.startsWith("/")) {
          throw refuse(
              root.relativize(link).toString(),
              "its chain of symbolic links reaches the absolute path '" + target + "'");
        }
        pending.addAll(0, components(target));
      }
    }

    private String readLink(Path link) throws ArchiveExtractionException {
      try {
        return Files.readSymbolicLink(link).toString();
      } catch (IOException e) {
        throw new ArchiveExtractionException(
            "Cannot read back symbolic link '" + link + "' extracted from " + source, e);
      }
    }

    private void applyAttributes(Path target, int mode, Instant modified)
        throws ArchiveExtractionException {
      try {
        Files.setPosixFilePermissions(target, permissions(mode));
        Files.setLastModifiedTime(target, FileTime.from(modified));
      } catch (IOException e) {
        throw new ArchiveExtractionException(
            "Cannot set mode and time of '" + target + "' extracted from " + source, e);
      }
    }

    private ArchiveExtractionException refuse(String entry, String reason) {
      return new ArchiveExtractionException(
          "Refused to extract entry '" + entry + "' of " + source + ": " + reason);
    }

    private ArchiveExtractionException refuse(String entry, String reason, Throwable cause) {
      return new ArchiveExtractionException(
          "Refused to extract entry '" + entry + "' of " + source + ": " + reason, cause);
    }
  }

  private static List<String> components(String path) {
    List<String> result = new ArrayList<>();
    for (String part : path.split("/")) {
      if (!part.isEmpty() && !part.equals(".")) {
        result.add(part);
      }
    }
    return result;
  }

  private static boolean isZero(byte[] data, int length) {
    for (int i = 0; i < length; i++) {
      if (data[i] != 0) {
        return false;
      }
    }
    return true;
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> result = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        result.add(bits[i]);
      }
    }
    return result;
  }

  private record PendingDirectory(Path path, int mode, Instant modified) {}
}
