package dev.banger.bundle;

import com.github.luben.zstd.ZstdOutputStream;
import dev.banger.download.Cancellation;
import dev.banger.download.ProgressListener;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a bundle: a zstd-compressed tar archive whose first entry is {@code manifest.json},
 * followed by every regular file below a directory in path order, each listed in the manifest with
 * its SHA-256 and size.
 *
 * <p>The bundle is written to a {@code .part} sibling and renamed into place when complete. A file
 * that changes between hashing and archiving is an error, so a manifest never lies about its
 * content. Symbolic links and special files in the directory are refused: a bundle carries regular
 * files only.
 *
 * <p>Stateless and thread-safe.
 */
public final class BundleWriter {

  private static final Logger LOG = LoggerFactory.getLogger(BundleWriter.class);
  private static final int ZSTD_LEVEL = 3;

  /**
   * Bundles every regular file below {@code sourceDir} into {@code bundleFile}.
   *
   * @param progress reports content bytes archived out of the total
   * @return the manifest written as the first entry
   * @throws BundleException if the directory holds something other than regular files and
   *     directories, a file changes meanwhile, or I/O fails
   */
  public BundleManifest write(
      Path sourceDir,
      BundleMetadata metadata,
      Path bundleFile,
      ProgressListener progress,
      Cancellation cancellation)
      throws BundleException {
    List<String> paths = listFiles(sourceDir);
    List<BundleFile> files = new ArrayList<>();
    for (String path : paths) {
      cancellation.throwIfCancelled("Bundling '" + sourceDir + "'");
      Path file = sourceDir.resolve(path);
      files.add(new BundleFile(path, sha256(file), size(file)));
    }
    BundleManifest manifest;
    try {
      manifest = new BundleManifest(metadata, files);
    } catch (IllegalArgumentException e) {
      throw new BundleException(
          "Cannot bundle '" + sourceDir + "' as '" + bundleFile + "': " + e.getMessage(), e);
    }

    Path temporary = bundleFile.resolveSibling(bundleFile.getFileName() + ".part");
    try {
      writeArchive(sourceDir, manifest, temporary, progress, cancellation);
      Files.move(temporary, bundleFile, StandardCopyOption.REPLACE_EXISTING);
      return manifest;
    } catch (IOException e) {
      throw new BundleException(
          "Cannot write bundle '" + bundleFile + "' from '" + sourceDir + "': " + e.getMessage(),
          e);
    } finally {
      deleteQuietly(temporary);
    }
  }

  private static void writeArchive(
      Path sourceDir,
      BundleManifest manifest,
      Path target,
      ProgressListener progress,
      Cancellation cancellation)
      throws IOException, BundleException {
    long total = manifest.totalSize();
    long done = 0;
    try (OutputStream file = Files.newOutputStream(target);
        ZstdOutputStream zstd = new ZstdOutputStream(new BufferedOutputStream(file, 1 << 16));
        TarArchiveOutputStream tar = new TarArchiveOutputStream(zstd)) {
      zstd.setLevel(ZSTD_LEVEL);
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      byte[] json = manifest.toJson();
      TarArchiveEntry entry = new TarArchiveEntry(BundleManifest.ENTRY_NAME);
      entry.setSize(json.length);
      entry.setMode(0644);
      tar.putArchiveEntry(entry);
      tar.write(json);
      tar.closeArchiveEntry();
      for (BundleFile bundled : manifest.files()) {
        done = append(tar, sourceDir, bundled, done, total, progress, cancellation);
      }
      tar.finish();
    }
  }

  private static long append(
      TarArchiveOutputStream tar,
      Path sourceDir,
      BundleFile bundled,
      long done,
      long total,
      ProgressListener progress,
      Cancellation cancellation)
      throws IOException, BundleException {
    Path file = sourceDir.resolve(bundled.path());
    TarArchiveEntry entry = new TarArchiveEntry(bundled.path());
    entry.setSize(bundled.size());
    entry.setMode(mode(file));
    entry.setLastModifiedTime(Files.getLastModifiedTime(file));
    tar.putArchiveEntry(entry);
    MessageDigest digest = newDigest();
    long copied = 0;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while (copied < bundled.size()
          && (n = in.read(buffer, 0, (int) Math.min(buffer.length, bundled.size() - copied))) > 0) {
        tar.write(buffer, 0, n);
        digest.update(buffer, 0, n);
        copied += n;
        progress.progress(done + copied, total);
        cancellation.throwIfCancelled("Bundling '" + sourceDir + "'");
      }
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (copied != bundled.size() || !actual.equals(bundled.sha256())) {
      throw new BundleException(
          "File '"
              + file
              + "' changed while it was being bundled (size or SHA-256 differ from "
              + "the manifest)");
    }
    tar.closeArchiveEntry();
    return done + copied;
  }

  private static List<String> listFiles(Path sourceDir) throws BundleException {
    List<String> paths = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(sourceDir)) {
      for (Path path : (Iterable<Path>) walk::iterator) {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
          throw new BundleException(
              "Cannot bundle '" + path + "': only regular files can go into a bundle");
        }
        paths.add(sourceDir.relativize(path).toString());
      }
    } catch (IOException | UncheckedIOException e) {
      throw new BundleException("Cannot list '" + sourceDir + "': " + e.getMessage(), e);
    }
    paths.sort(null);
    return paths;
  }

  private static String sha256(Path file) throws BundleException {
    MessageDigest digest = newDigest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new BundleException("Cannot hash '" + file + "': " + e.getMessage(), e);
    }
  }

  private static long size(Path file) throws BundleException {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new BundleException("Cannot read the size of '" + file + "': " + e.getMessage(), e);
    }
  }

  private static int mode(Path file) throws IOException {
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    int mode = 0;
    for (PosixFilePermission permission : permissions) {
      mode |= 1 << (8 - permission.ordinal());
    }
    return mode;
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static void deleteQuietly(Path temporary) {
    try {
      Files.deleteIfExists(temporary);
    } catch (IOException e) {
      LOG.warn("Could not delete the partial bundle '{}'", temporary, e);
    }
  }
}
