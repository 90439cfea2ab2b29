package dev.banger.kernel;

import dev.banger.download.Cancellation;
import dev.banger.download.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches and unpacks Debian packages with the host's own package tools: {@code apt-cache} to
 * resolve names and versions, {@code apt-get download} to fetch (from whatever mirror the host is
 * configured with), {@code dpkg-deb -x} to unpack. Nothing is installed on the host.
 *
 * <p>Stateless and thread-safe; every method runs its tool on the calling thread.
 */
public final class DebianPackages {

  private static final Logger LOG = LoggerFactory.getLogger(DebianPackages.class);
  private static final Pattern KERNEL_IMAGE =
      Pattern.compile("^\\s*\\|?Depends:\\s*(linux-image-[0-9][^\\s<>]*)\\s*$", Pattern.MULTILINE);
  private static final Pattern FIELD = Pattern.compile("^([A-Za-z0-9-]+):\\s*(.*)$");
  private static final Duration QUERY_TIMEOUT = Duration.ofMinutes(1);
  private static final Duration DOWNLOAD_TIMEOUT = Duration.ofMinutes(30);
  private static final Duration UNPACK_TIMEOUT = Duration.ofMinutes(10);

  /**
   * Resolves a kernel package name to the package holding the kernel: a metapackage such as {@code
   * linux-image-cloud-amd64} resolves to the newest {@code linux-image-<abi>-cloud-amd64} it
   * depends on; a versioned name resolves to itself.
   */
  public AptPackage resolveKernel(String packageName, Cancellation cancellation)
      throws KernelException {
    String depends =
        HostProcess.run(
                List.of("apt-cache", "depends", packageName),
                Path.of("/"),
                QUERY_TIMEOUT,
                cancellation,
                () -> {})
            .stdout();
    Matcher matcher = KERNEL_IMAGE.matcher(depends);
    String concrete = matcher.find() ? matcher.group(1) : packageName;
    LOG.debug("Kernel package '{}' resolves to '{}'", packageName, concrete);
    return show(concrete, cancellation);
  }

  /**
   * Looks up the candidate version of {@code packageName}.
   *
   * @throws KernelException if apt knows no such package (the package lists may need {@code apt-get
   *     update}) or its record lacks a field
   */
  public AptPackage show(String packageName, Cancellation cancellation) throws KernelException {
    String record =
        HostProcess.run(
                List.of("apt-cache", "show", "--no-all-versions", packageName),
                Path.of("/"),
                QUERY_TIMEOUT,
                cancellation,
                () -> {})
            .stdout();
    Map<String, String> fields = parseRecord(record);
    try {
      return new AptPackage(
          required(fields, "Package", packageName),
          required(fields, "Version", packageName),
          required(fields, "Architecture", packageName),
          Long.parseLong(required(fields, "Size", packageName)),
          required(fields, "SHA256", packageName).toLowerCase(Locale.ROOT));
    } catch (NumberFormatException e) {
      throw new KernelException(
          "apt-cache gave package '" + packageName + "' a Size that is not a number", e);
    }
  }

  /**
   * Downloads {@code pkg} into {@code directory} with {@code apt-get download}, unless a file with
   * its name and SHA-256 is already there. The result is always checked against the SHA-256 from
   * the package lists.
   *
   * @return the .deb file
   */
  public Path download(
      AptPackage pkg, Path directory, ProgressListener progress, Cancellation cancellation)
      throws KernelException {
    Path deb = directory.resolve(pkg.debFileName());
    try {
      Files.createDirectories(directory);
      if (isVerified(deb, pkg)) {
        LOG.debug("Reusing '{}', its SHA-256 matches the package lists", deb);
        progress.progress(pkg.size(), pkg.size());
        return deb;
      }
      Files.deleteIfExists(deb);
      fetch(pkg, directory, deb, progress, cancellation);
      return deb;
    } catch (IOException e) {
      throw new KernelException(
          "Cannot download package '%s' into '%s': %s"
              .formatted(pkg.name(), directory, e.getMessage()),
          e);
    } catch (CancellationException e) {
      deleteQuietly(deb);
      throw e;
    }
  }

  private static boolean isVerified(Path deb, AptPackage pkg) throws IOException {
    return Files.isRegularFile(deb) && sha256(deb).equals(pkg.sha256());
  }

  private static void fetch(
      AptPackage pkg,
      Path directory,
      Path deb,
      ProgressListener progress,
      Cancellation cancellation)
      throws KernelException, IOException {
    String spec = pkg.name() + "=" + pkg.version();
    HostProcess.run(
        List.of("apt-get", "download", "-q", spec),
        directory,
        DOWNLOAD_TIMEOUT,
        cancellation,
        () -> progress.progress(sizeOf(deb), pkg.size()));
    if (!Files.isRegularFile(deb)) {
      throw new KernelException(
          "apt-get download of '%s' did not produce '%s'".formatted(spec, deb));
    }
    String actual = sha256(deb);
    if (!actual.equals(pkg.sha256())) {
      Files.deleteIfExists(deb);
      throw new KernelException(
          "Downloaded '%s' has SHA-256 %s but the package lists say %s"
              .formatted(deb, actual, pkg.sha256()));
    }
  }

  /** Unpacks the files of {@code deb} into {@code directory} with {@code dpkg-deb -x}. */
  public void unpack(Path deb, Path directory, Cancellation cancellation) throws KernelException {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new KernelException("Cannot create '" + directory + "' to unpack '" + deb + "'", e);
    }
    HostProcess.run(
        List.of("dpkg-deb", "-x", deb.toAbsolutePath().toString(), directory.toString()),
        directory,
        UNPACK_TIMEOUT,
        cancellation,
        () -> {});
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static Map<String, String> parseRecord(String record) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : record.split("\n")) {
      if (line.isEmpty()) {
        break;
      }
      Matcher matcher = FIELD.matcher(line);
      if (matcher.matches()) {
        fields.putIfAbsent(matcher.group(1), matcher.group(2).trim());
      }
    }
    return fields;
  }

  private static String required(Map<String, String> fields, String field, String packageName)
      throws KernelException {
    String value = fields.get(field);
    if (value == null || value.isEmpty()) {
      throw new KernelException(
          "apt-cache has no "
              + field
              + " for package '"
              + packageName
              + "' (is it known to apt? the package lists may need 'apt-get update')");
    }
    return value;
  }

  private static long sizeOf(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      // Only feeds a progress figure; the download itself reports real failures.
      LOG.debug("Cannot read the size of '{}' for progress", file, e);
      return 0;
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("Could not delete the partial download '{}'", file, e);
    }
  }
}
