package dev.banger.archive;

import java.util.StringJoiner;

/** Checks and normalizes entry names of untrusted archives. Stateless and thread-safe. */
final class EntryPaths {

  private EntryPaths() {}

  /**
   * Returns {@code raw} relative to the extraction root with "." components and repeated or
   * trailing slashes removed; the empty string names the root itself.
   *
   * @throws ArchiveExtractionException if the name is absolute, has a ".." component or a NUL
   */
  static String normalize(String raw, String source) throws ArchiveExtractionException {
    if (raw.indexOf('\0') >= 0) {
      throw refuse(raw, source, "its name contains a NUL byte");
    }
    if (raw.startsWith("/")) {
      throw refuse(raw, source, "its path is absolute");
    }
    StringJoiner joined = new StringJoiner("/");
    for (String part : raw.split("/")) {
      if (part.equals("..")) {
        throw refuse(raw, source, "its path has a '..' component");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        joined.add(part);
      }
    }
    return joined.toString();
  }

  private static ArchiveExtractionException refuse(String raw, String source, String reason) {
    return new ArchiveExtractionException(
        "Refused to extract entry '" + raw + "' of " + source + ": " + reason);
  }
}
