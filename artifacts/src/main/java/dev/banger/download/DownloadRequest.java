package dev.banger.download;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What to download, where to, and what it must be. Immutable and thread-safe.
 *
 * @param uri an http or https URL
 * @param target the final path; the content is written to {@code target + ".part"} first
 * @param sha256 the expected SHA-256, 64 hex digits (normalised to lower case)
 * @param expectedSize the expected size in bytes, or -1 when unknown
 */
public record DownloadRequest(URI uri, Path target, String sha256, long expectedSize) {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** Checks the URL scheme and the checksum's form. */
  public DownloadRequest {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("download URL '" + uri + "' is not http or https");
    }
    sha256 = sha256.toLowerCase(Locale.ROOT);
    if (!SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "expected SHA-256 '" + sha256 + "' for '" + uri + "' is not 64 hex digits");
    }
    if (expectedSize < -1) {
      throw new IllegalArgumentException("expected size of '" + uri + "' is negative");
    }
  }

  /** Where the content is written until it is verified. */
  public Path partFile() {
    return target.resolveSibling(target.getFileName() + ".part");
  }
}
