package dev.banger.catalog;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads catalog JSON strictly: unknown fields, wrong types, duplicate names, bad names, URLs or
 * checksums are errors that name the source and the place ({@code kernels[0].sources.bundle}). Not
 * thread-safe: one parser reads one document.
 */
final class CatalogParser {

  /** Names users type: lower case letters, digits, '.', '_' and '-'. */
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final String source;

  /** Parses a document read from {@code source} ("catalog file '/x'", "embedded kernels.json"). */
  CatalogParser(String source) {
    this.source = source;
  }

  /** The entries of one document. */
  record Document(List<KernelEntry> kernels, List<ImageEntry> images) {}

  Document parse(String json, Set<String> allowedSections) throws CatalogException {
    JsonNode root = readTree(json);
    if (!root.isObject()) {
      throw error("", "must be a JSON object with " + String.join(" and/or ", allowedSections));
    }
    onlyFields(root, "", allowedSections);
    List<KernelEntry> kernels = new ArrayList<>();
    List<ImageEntry> images = new ArrayList<>();
    Set<String> names = new HashSet<>();
    JsonNode kernelList = array(root, "kernels");
    for (int i = 0; i < kernelList.size(); i++) {
      KernelEntry entry = kernel(kernelList.get(i), "kernels[" + i + "]");
      unique(names, "kernel " + entry.name(), "kernels[" + i + "]");
      kernels.add(entry);
    }
    JsonNode imageList = array(root, "images");
    for (int i = 0; i < imageList.size(); i++) {
      ImageEntry entry = image(imageList.get(i), "images[" + i + "]");
      unique(names, "image " + entry.name(), "images[" + i + "]");
      images.add(entry);
    }
    return new Document(kernels, images);
  }

  private JsonNode readTree(String json) throws CatalogException {
    try {
      JsonNode root = JSON.readTree(json);
      if (root == null || root.isMissingNode()) {
        throw new CatalogException(source + " is empty");
      }
      return root;
    } catch (JacksonException e) {
      TokenStreamLocation location = e.getLocation();
      String where =
          location == null
              ? ""
              : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
      throw new CatalogException(
          source + " is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
    }
  }

  private KernelEntry kernel(JsonNode node, String path) throws CatalogException {
    Common common = common(node, path);
    Optional<KernelRecipe> recipe = Optional.empty();
    if (common.recipe() != null) {
      String recipePath = path + ".sources.recipe";
      onlyFields(common.recipe(), recipePath, Set.of("debian-package"));
      String pkg = string(common.recipe(), "debian-package", recipePath);
      if (!pkg.matches("[a-z0-9][a-z0-9+.-]+")) {
        throw error(recipePath + ".debian-package", "'" + pkg + "' is not a Debian package name");
      }
      recipe = Optional.of(new KernelRecipe(pkg));
    }
    return new KernelEntry(
        common.name(), common.description(), common.arch(), common.bundle(), recipe);
  }

  private ImageEntry image(JsonNode node, String path) throws CatalogException {
    Common common = common(node, path);
    Optional<ImageRecipe> recipe = Optional.empty();
    if (common.recipe() != null) {
      String recipePath = path + ".sources.recipe";
      onlyFields(common.recipe(), recipePath, Set.of("golden", "kernel"));
      recipe =
          Optional.of(
              new ImageRecipe(
                  name(common.recipe(), "golden", recipePath),
                  name(common.recipe(), "kernel", recipePath)));
    }
    return new ImageEntry(
        common.name(), common.description(), common.arch(), common.bundle(), recipe);
  }

  /** The fields kernels and images share; {@code recipe} is the raw recipe object or null. */
  private record Common(
      String name,
      String description,
      String arch,
      Optional<BundleSource> bundle,
      JsonNode recipe) {}

  private Common common(JsonNode node, String path) throws CatalogException {
    if (!node.isObject()) {
      throw error(path, "must be an object");
    }
    onlyFields(node, path, Set.of("name", "description", "arch", "sources"));
    String name = name(node, "name", path);
    String description = string(node, "description", path);
    String arch = string(node, "arch", path);
    if (!arch.equals("x86_64")) {
      throw error(path + ".arch", "'" + arch + "' is not supported (only x86_64)");
    }
    JsonNode sources = node.path("sources");
    if (!sources.isObject()) {
      throw error(path + ".sources", "must be an object with \"bundle\" and/or \"recipe\"");
    }
    onlyFields(sources, path + ".sources", Set.of("bundle", "recipe"));
    if (!sources.has("bundle") && !sources.has("recipe")) {
      throw error(path + ".sources", "needs a \"bundle\" or a \"recipe\"");
    }
    Optional<BundleSource> bundle =
        sources.has("bundle")
            ? Optional.of(bundle(sources.get("bundle"), path + ".sources.bundle"))
            : Optional.empty();
    JsonNode recipe = sources.get("recipe");
    if (recipe != null && !recipe.isObject()) {
      throw error(path + ".sources.recipe", "must be an object");
    }
    return new Common(name, description, arch, bundle, recipe);
  }

  private BundleSource bundle(JsonNode node, String path) throws CatalogException {
    if (!node.isObject()) {
      throw error(path, "must be an object with url, sha256 and size");
    }
    onlyFields(node, path, Set.of("url", "sha256", "size"));
    String url = string(node, "url", path);
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw error(path + ".url", "'" + url + "' is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw error(path + ".url", "'" + url + "' must be an http or https URL with a host");
    }
    String sha256 = string(node, "sha256", path);
    if (!SHA256.matcher(sha256).matches()) {
      throw error(path + ".sha256", "must be 64 lower-case hex digits");
    }
    JsonNode size = node.path("size");
    if (!size.isIntegralNumber() || !size.canConvertToLong() || size.longValue() <= 0) {
      throw error(path + ".size", "must be a positive whole number of bytes");
    }
    return new BundleSource(uri, sha256, size.longValue());
  }

  private JsonNode array(JsonNode root, String field) throws CatalogException {
    JsonNode node = root.path(field);
    if (node.isMissingNode()) {
      return JSON.createArrayNode();
    }
    if (!node.isArray()) {
      throw error(field, "must be an array");
    }
    return node;
  }

  private String name(JsonNode node, String field, String path) throws CatalogException {
    String value = string(node, field, path);
    if (!NAME.matcher(value).matches()) {
      throw error(
          path + "." + field,
          "'" + value + "' must be 1-64 of [a-z0-9._-], starting with a letter or digit");
    }
    return value;
  }

  private String string(JsonNode node, String field, String path) throws CatalogException {
    JsonNode value = node.path(field);
    if (!value.isString() || value.stringValue().isBlank()) {
      throw error(path + "." + field, "is required and must be a non-empty string");
    }
    return value.stringValue();
  }

  private void onlyFields(JsonNode node, String path, Set<String> allowed) throws CatalogException {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!allowed.contains(field.getKey())) {
        throw error(
            path.isEmpty() ? field.getKey() : path + "." + field.getKey(),
            "is not a known field (expected "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
    }
  }

  private void unique(Set<String> names, String name, String path) throws CatalogException {
    if (!names.add(name)) {
      throw error(path + ".name", name + " is defined twice in this file");
    }
  }

  private CatalogException error(String path, String problem) {
    return new CatalogException(
        source + ": " + (path.isEmpty() ? "the document" : path) + " " + problem);
  }
}
