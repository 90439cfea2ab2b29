package dev.banger.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The kernel and image catalogs: the entries embedded in banger ({@code kernels.json} and {@code
 * images.json} next to this class) plus, optionally, a user catalog file that adds entries or
 * replaces embedded ones of the same name.
 *
 * <p>User file format ({@code ~/.config/banger/catalog.json} by convention; both arrays optional):
 *
 * <pre>
 * {"kernels": [{"name": ..., "description": ..., "arch": "x86_64",
 *               "sources": {"bundle": {"url": ..., "sha256": ..., "size": ...},
 *                           "recipe": {"debian-package": ...}}}],
 *  "images":  [{"name": ..., "description": ..., "arch": "x86_64",
 *               "sources": {"bundle": {...}, "recipe": {"golden": ..., "kernel": ...}}}]}
 * </pre>
 *
 * <p>After merging, every image recipe must name a kernel of the catalog. Immutable and
 * thread-safe.
 */
public final class Catalog {

  /** The image {@code vm run} uses when none is given ({@code default_image_name}). */
  public static final String DEFAULT_IMAGE = "debian-bookworm";

  /** The kernel the default image boots with. */
  public static final String DEFAULT_KERNEL = "debian-cloud";

  private final Map<String, KernelEntry> kernels;
  private final Map<String, ImageEntry> images;

  private Catalog(Map<String, KernelEntry> kernels, Map<String, ImageEntry> images) {
    this.kernels = kernels;
    this.images = images;
  }

  /** The embedded catalog alone. */
  public static Catalog embedded() throws CatalogException {
    Map<String, KernelEntry> kernels = new LinkedHashMap<>();
    Map<String, ImageEntry> images = new LinkedHashMap<>();
    merge(kernels, images, resource("kernels.json", Set.of("kernels")));
    merge(kernels, images, resource("images.json", Set.of("images")));
    return checked(kernels, images, "the embedded catalog");
  }

  /**
   * The embedded catalog with {@code userFile}'s entries added or overriding by name. A file that
   * does not exist is no error: the embedded catalog is returned.
   *
   * @throws CatalogException if the file cannot be read or is malformed, naming the file and the
   *     place in it
   */
  public static Catalog load(Path userFile) throws CatalogException {
    Catalog base = embedded();
    if (!Files.exists(userFile)) {
      return base;
    }
    String text;
    try {
      text = Files.readString(userFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CatalogException(
          "Cannot read catalog file '" + userFile + "': " + e.getMessage(), e);
    }
    String source = "catalog file '" + userFile + "'";
    CatalogParser.Document document =
        new CatalogParser(source).parse(text, Set.of("kernels", "images"));
    Map<String, KernelEntry> kernels = new LinkedHashMap<>(base.kernels);
    Map<String, ImageEntry> images = new LinkedHashMap<>(base.images);
    merge(kernels, images, document);
    return checked(kernels, images, source);
  }

  /** All kernels, embedded first, in file order. */
  public List<KernelEntry> kernels() {
    return List.copyOf(kernels.values());
  }

  /** All images, embedded first, in file order. */
  public List<ImageEntry> images() {
    return List.copyOf(images.values());
  }

  /** The kernel called {@code name}, if the catalog has one. */
  public Optional<KernelEntry> kernel(String name) {
    return Optional.ofNullable(kernels.get(name));
  }

  /** The image called {@code name}, if the catalog has one. */
  public Optional<ImageEntry> image(String name) {
    return Optional.ofNullable(images.get(name));
  }

  private static CatalogParser.Document resource(String name, Set<String> sections)
      throws CatalogException {
    try (InputStream in = Catalog.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new CatalogException("Embedded catalog " + name + " is missing from the program");
      }
      return new CatalogParser("embedded catalog " + name)
          .parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), sections);
    } catch (IOException e) {
      throw new CatalogException("Cannot read embedded catalog " + name, e);
    }
  }

  private static void merge(
      Map<String, KernelEntry> kernels,
      Map<String, ImageEntry> images,
      CatalogParser.Document document) {
    for (KernelEntry kernel : document.kernels()) {
      kernels.put(kernel.name(), kernel);
    }
    for (ImageEntry image : document.images()) {
      images.put(image.name(), image);
    }
  }

  private static Catalog checked(
      Map<String, KernelEntry> kernels, Map<String, ImageEntry> images, String source)
      throws CatalogException {
    List<String> problems = new ArrayList<>();
    for (ImageEntry image : images.values()) {
      image
          .recipe()
          .filter(recipe -> !kernels.containsKey(recipe.kernel()))
          .ifPresent(
              recipe ->
                  problems.add(
                      "image '"
                          + image.name()
                          + "' needs kernel '"
                          + recipe.kernel()
                          + "', which the catalog does not have"));
    }
    if (!problems.isEmpty()) {
      throw new CatalogException(source + ": " + String.join("; ", problems));
    }
    return new Catalog(
        Collections.unmodifiableMap(new LinkedHashMap<>(kernels)),
        Collections.unmodifiableMap(new LinkedHashMap<>(images)));
  }
}
