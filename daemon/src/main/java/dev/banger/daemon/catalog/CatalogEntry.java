package dev.banger.daemon.catalog;

import java.util.Optional;

/**
 * One entry of the image or kernel catalog, as the daemon uses it: how to get it.
 *
 * @param name the name users pull
 * @param description one line for people
 * @param bundle a published bundle, when there is one
 * @param debianPackage for kernels: the Debian package the recipe builds from
 * @param goldenRecipe for images: the golden recipe that builds it
 * @param kernel for images: the catalog kernel it boots with
 */
public record CatalogEntry(
    String name,
    String description,
    Optional<Bundle> bundle,
    Optional<String> debianPackage,
    Optional<String> goldenRecipe,
    Optional<String> kernel) {

  /**
   * A published bundle.
   *
   * @param url where it is served (http or https)
   * @param sha256 the checksum of the archive
   * @param size the archive's size in bytes
   */
  public record Bundle(String url, String sha256, long size) {}
}
