package dev.banger.bundle;

/** Rules for the file paths a bundle manifest may list. Stateless and thread-safe. */
final class BundlePaths {

  private static final int MAX_LENGTH = 1024;

  private BundlePaths() {}

  /** Returns why {@code path} is not allowed in a manifest, or the empty string if it is. */
  static String problem(String path) {
    if (path.isEmpty() || path.length() > MAX_LENGTH) {
      return "must have 1-" + MAX_LENGTH + " characters";
    }
    if (path.startsWith("/") || path.endsWith("/")) {
      return "must be relative and name a file";
    }
    if (path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0) {
      return "must not contain NUL or backslash";
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return "must not have empty, '.' or '..' components";
      }
    }
    if (path.equals(BundleManifest.ENTRY_NAME)) {
      return "is reserved for the manifest";
    }
    return "";
  }
}
