package dev.banger.kernel;

/**
 * One version of a Debian package as apt knows it from its package lists. Immutable and
 * thread-safe.
 *
 * @param name the package name ("linux-image-6.1.0-57-cloud-amd64")
 * @param version the version ("6.1.192-3", possibly with an epoch "1:1.35.0-4")
 * @param architecture the Debian architecture ("amd64")
 * @param size the size of the .deb in bytes
 * @param sha256 the SHA-256 of the .deb, lower-case hex
 */
public record AptPackage(
    String name, String version, String architecture, long size, String sha256) {

  /** The file name {@code apt-get download} gives the .deb (':' in the version as "%3a"). */
  public String debFileName() {
    return name + "_" + version.replace(":", "%3a") + "_" + architecture + ".deb";
  }
}
