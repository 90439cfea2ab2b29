package dev.banger.bundle;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code manifest.json} at the start of every bundle: what the bundle is and, for every file it
 * carries, the path, SHA-256 and size a reader must find. Immutable and thread-safe.
 *
 * <pre>
 * {"format": 1, "name": "debian-bookworm", "kind": "image", "version": "2026-12-03",
 *  "arch": "x86_64", "kernel": "debian-cloud",
 *  "files": [{"path": "rootfs.ext4", "sha256": "...", "size": 1073741824}]}
 * </pre>
 *
 * @param metadata name, kind, version, arch and (for images) kernel
 * @param files every file of the bundle, in archive order
 */
public record BundleManifest(BundleMetadata metadata, List<BundleFile> files) {

  /** The name of the first entry of every bundle. */
  public static final String ENTRY_NAME = "manifest.json";

  /** The manifest format this library writes and reads. */
  public static final int FORMAT = 1;

  /** The architecture banger supports. */
  public static final String ARCH = "x86_64";

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern VERSION = Pattern.compile("[\\x21-\\x7e]{1,128}");
  private static final Set<String> FIELDS =
      Set.of("format", "name", "kind", "version", "arch", "kernel", "files");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Copies the file list and checks every field. */
  public BundleManifest {
    files = List.copyOf(files);
    List<String> problems = problems(metadata, files);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid bundle manifest: " + String.join("; ", problems));
    }
  }

  /** The sum of the sizes of all files. */
  public long totalSize() {
    return files.stream().mapToLong(BundleFile::size).sum();
  }

  /** Returns the manifest as pretty-printed UTF-8 JSON. */
  public byte[] toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("name", metadata.name());
    root.put("kind", metadata.kind().jsonName());
    root.put("version", metadata.version());
    root.put("arch", metadata.arch());
    metadata.kernel().ifPresent(kernel -> root.put("kernel", kernel));
    ArrayNode list = root.putArray("files");
    for (BundleFile file : files) {
      list.addObject()
          .put("path", file.path())
          .put("sha256", file.sha256())
          .put("size", file.size());
    }
    return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses and checks a manifest read from an untrusted bundle.
   *
   * @param source how to name the bundle in errors
   * @throws BundleException naming the problem: malformed JSON, an unknown or missing field, a path
   *     that could escape, a bad checksum
   */
  public static BundleManifest parse(byte[] json, String source) throws BundleException {
    JsonNode root = readObject(json, source);
    int format = root.path("format").asInt(-1);
    if (format != FORMAT) {
      throw new BundleException(
          "The manifest of bundle %s has format %s, this banger reads format %d"
              .formatted(source, root.path("format"), FORMAT));
    }
    BundleKind kind = BundleKind.fromJson(text(root, "kind"));
    if (kind == null) {
      throw new BundleException(
          "The manifest of bundle %s has kind %s, expected \"image\" or \"kernel\""
              .formatted(source, root.path("kind")));
    }
    Optional<String> kernel =
        root.has("kernel") ? Optional.of(text(root, "kernel")) : Optional.empty();
    BundleMetadata metadata =
        new BundleMetadata(
            text(root, "name"), kind, text(root, "version"), text(root, "arch"), kernel);
    List<BundleFile> files = parseFiles(root.path("files"), source);
    List<String> problems = problems(metadata, files);
    if (!problems.isEmpty()) {
      throw new BundleException(
          "The manifest of bundle " + source + " is invalid: " + String.join("; ", problems));
    }
    return new BundleManifest(metadata, files);
  }

  /** Parses {@code json} into an object with only the known fields. */
  private static JsonNode readObject(byte[] json, String source) throws BundleException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JacksonException e) {
      throw new BundleException(
          "The manifest of bundle " + source + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new BundleException("The manifest of bundle " + source + " is not a JSON object");
    }
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (!FIELDS.contains(field.getKey())) {
        throw new BundleException(
            "The manifest of bundle " + source + " has an unknown field '" + field.getKey() + "'");
      }
    }
    return root;
  }

  private static List<BundleFile> parseFiles(JsonNode node, String source) throws BundleException {
    if (!node.isArray()) {
      throw new BundleException("The manifest of bundle " + source + " has no \"files\" array");
    }
    List<BundleFile> files = new ArrayList<>();
    for (JsonNode file : node) {
      JsonNode size = file.path("size");
      if (!file.isObject() || !size.isIntegralNumber() || !size.canConvertToLong()) {
        throw new BundleException(
            "The manifest of bundle "
                + source
                + " lists a file that is not "
                + "{\"path\", \"sha256\", \"size\"}: "
                + file);
      }
      files.add(new BundleFile(text(file, "path"), text(file, "sha256"), size.longValue()));
    }
    return files;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isString() ? value.stringValue() : "";
  }

  private static List<String> problems(BundleMetadata metadata, List<BundleFile> files) {
    List<String> problems = new ArrayList<>();
    if (!NAME.matcher(metadata.name()).matches()) {
      problems.add(
          "name '"
              + metadata.name()
              + "' must be 1-64 of [a-z0-9._-], starting with "
              + "a letter or digit");
    }
    if (!VERSION.matcher(metadata.version()).matches()) {
      problems.add("version '" + metadata.version() + "' must be 1-128 printable characters");
    }
    if (!metadata.arch().equals(ARCH)) {
      problems.add("arch '" + metadata.arch() + "' is not " + ARCH);
    }
    kernelProblems(metadata, problems);
    if (files.isEmpty()) {
      problems.add("it lists no files");
    }
    Set<String> paths = new HashSet<>();
    for (BundleFile file : files) {
      String pathProblem = BundlePaths.problem(file.path());
      if (!pathProblem.isEmpty()) {
        problems.add("file path '" + file.path() + "' " + pathProblem);
      } else if (!paths.add(file.path())) {
        problems.add("file '" + file.path() + "' is listed twice");
      }
      if (!SHA256.matcher(file.sha256()).matches()) {
        problems.add(
            "file '"
                + file.path()
                + "' has sha256 '"
                + file.sha256()
                + "', not 64 lower-case hex digits");
      }
      if (file.size() < 0) {
        problems.add("file '" + file.path() + "' has a negative size");
      }
    }
    return problems;
  }

  private static void kernelProblems(BundleMetadata metadata, List<String> problems) {
    if (metadata.kind() == BundleKind.IMAGE) {
      if (metadata.kernel().filter(kernel -> NAME.matcher(kernel).matches()).isEmpty()) {
        problems.add("an image bundle must name its kernel (1-64 of [a-z0-9._-])");
      }
    } else if (metadata.kernel().isPresent()) {
      problems.add("a kernel bundle must not name a kernel");
    }
  }
}
