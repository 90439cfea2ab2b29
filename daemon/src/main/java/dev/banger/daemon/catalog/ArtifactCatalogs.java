package dev.banger.daemon.catalog;

import dev.banger.catalog.BundleSource;
import dev.banger.catalog.Catalog;
import dev.banger.catalog.CatalogException;
import dev.banger.catalog.ImageEntry;
import dev.banger.catalog.KernelEntry;
import dev.banger.daemon.http.ApiException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The catalogs embedded in banger, with the user's {@code catalog.json} in the config directory
 * adding or overriding entries (so a published bundle can be used without rebuilding banger). The
 * user file is read on each lookup: a fix takes effect without a daemon restart, and a broken file
 * is an error naming it. Thread-safe.
 */
public final class ArtifactCatalogs implements Catalogs {
  private final Path userFile;

  /** Catalogs with the user file {@code userFile} (which need not exist). */
  public ArtifactCatalogs(Path userFile) {
    this.userFile = userFile;
  }

  private Catalog catalog() {
    try {
      return Catalog.load(userFile);
    } catch (CatalogException e) {
      throw ApiException.badRequest(
          "the catalog file " + userFile + " is invalid: " + e.getMessage());
    }
  }

  @Override
  public Optional<CatalogEntry> kernel(String name) {
    return catalog().kernel(name).map(ArtifactCatalogs::entry);
  }

  @Override
  public Optional<CatalogEntry> image(String name) {
    return catalog().image(name).map(ArtifactCatalogs::entry);
  }

  @Override
  public List<String> kernelNames() {
    return catalog().kernels().stream().map(KernelEntry::name).toList();
  }

  @Override
  public List<String> imageNames() {
    return catalog().images().stream().map(ImageEntry::name).toList();
  }

  private static CatalogEntry entry(KernelEntry k) {
    return new CatalogEntry(
        k.name(),
        k.description(),
        k.bundle().map(ArtifactCatalogs::bundle),
        k.recipe().map(r -> r.debianPackage()),
        Optional.empty(),
        Optional.empty());
  }

  private static CatalogEntry entry(ImageEntry i) {
    return new CatalogEntry(
        i.name(),
        i.description(),
        i.bundle().map(ArtifactCatalogs::bundle),
        Optional.empty(),
        i.recipe().map(r -> r.golden()),
        i.recipe().map(r -> r.kernel()));
  }

  private static CatalogEntry.Bundle bundle(BundleSource b) {
    return new CatalogEntry.Bundle(b.url().toString(), b.sha256(), b.size());
  }
}
