package dev.banger.daemon.catalog;

import java.util.List;
import java.util.Optional;

/**
 * The default catalog entries: the {@code debian-bookworm} golden image and the {@code
 * debian-cloud} kernel built from Debian's cloud kernel package. Immutable and thread-safe.
 */
public final class BuiltInCatalogs implements Catalogs {
  private static final List<CatalogEntry> KERNELS =
      List.of(
          new CatalogEntry(
              "debian-cloud",
              "Debian 12 cloud kernel (linux-image-cloud-amd64) with a banger initramfs",
              Optional.empty(),
              Optional.of("linux-image-cloud-amd64"),
              Optional.empty(),
              Optional.empty()));
  private static final List<CatalogEntry> IMAGES =
      List.of(
          new CatalogEntry(
              "debian-bookworm",
              "Debian 12 (bookworm) with systemd, openssh-server and the banger agent",
              Optional.empty(),
              Optional.empty(),
              Optional.of("debian-bookworm"),
              Optional.of("debian-cloud")));

  @Override
  public Optional<CatalogEntry> kernel(String name) {
    return KERNELS.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  @Override
  public Optional<CatalogEntry> image(String name) {
    return IMAGES.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  @Override
  public List<String> kernelNames() {
    return KERNELS.stream().map(CatalogEntry::name).toList();
  }

  @Override
  public List<String> imageNames() {
    return IMAGES.stream().map(CatalogEntry::name).toList();
  }
}
