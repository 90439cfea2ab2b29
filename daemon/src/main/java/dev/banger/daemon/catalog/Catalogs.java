package dev.banger.daemon.catalog;

import java.util.List;
import java.util.Optional;

/** The image and kernel catalogs the daemon pulls from. Implementations are thread-safe. */
public interface Catalogs {
  /** The kernel entry named {@code name}. */
  Optional<CatalogEntry> kernel(String name);

  /** The image entry named {@code name}. */
  Optional<CatalogEntry> image(String name);

  /** Every kernel name, for "not found" messages. */
  List<String> kernelNames();

  /** Every image name, for "not found" messages. */
  List<String> imageNames();
}
