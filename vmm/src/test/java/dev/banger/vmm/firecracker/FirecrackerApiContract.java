package dev.banger.vmm.firecracker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Firecracker's API contract read from {@code firecracker-api.yaml} (Swagger 2.0), and a generic
 * checker of requests against it: the path matches a declared template, the method is declared
 * there, the body validates against the referenced schema (required members, types, enums, minimum
 * and maximum, nested references), and path ids follow Firecracker's id rule and equal the id in
 * the body.
 *
 * <p>Members a schema does not declare are rejected unless it declares {@code
 * additionalProperties}: Swagger would allow them, but Firecracker deserialises its request bodies
 * with serde's {@code deny_unknown_fields} and answers 400, so a misspelt member must fail here
 * too.
 */
final class FirecrackerApiContract {
  private static final Pattern ID_RULE = Pattern.compile("^[a-zA-Z0-9_]+$");

  private final JsonNode spec;
  private final List<Template> templates = new ArrayList<>();

  private FirecrackerApiContract(JsonNode spec) {
    this.spec = spec;
    spec.path("paths").properties().forEach(e -> templates.add(Template.of(e.getKey())));
  }

  /**
   * Where the description lives: {@code ${banger.root}/../shared/firecracker-api.yaml}, beside the
   * checkout rather than in it, because it is Firecracker's document, not banger's.
   */
  static Path location() throws IOException {
    String root = System.getProperty("banger.root");
    if (root == null) {
      throw new IOException(
          "system property banger.root is not set; Maven sets it to the checkout root");
    }
    return Path.of(root).resolve("../shared/firecracker-api.yaml").normalize();
  }

  /**
   * Why the Firecracker tests cannot run on this machine, or empty when they can: the contract
   * tests need Firecracker's API description next to the checkout.
   */
  static Optional<String> missing() throws IOException {
    Path yaml = location();
    if (Files.isRegularFile(yaml)) {
      return Optional.empty();
    }
    return Optional.of("Firecracker's API description is not on this machine: " + yaml);
  }

  /** Loads the contract from {@link #location()}. */
  static FirecrackerApiContract load() throws IOException {
    Path yaml = location();
    if (!Files.isRegularFile(yaml)) {
      throw new IOException("Firecracker's API description is missing: " + yaml);
    }
    return new FirecrackerApiContract(new YAMLMapper().readTree(yaml.toFile()));
  }

  /** The version the description declares. */
  String version() {
    return spec.path("info").path("version").asString();
  }

  /** A declared operation matched by a request. */
  record Operation(String template, String method, Map<String, String> pathParams, JsonNode op) {
    String summary() {
      return op.path("summary").asString();
    }

    boolean preBootOnly() {
      return summary().contains("Pre-boot only");
    }

    boolean postBootOnly() {
      return summary().contains("Post-boot only");
    }
  }

  /** The operation for {@code method path}, or empty when the contract declares none. */
  Optional<Operation> operation(String method, String path) {
    for (Template template : templates) {
      Optional<Map<String, String>> params = template.match(path);
      if (params.isPresent()) {
        JsonNode op =
            spec.path("paths").path(template.text()).path(method.toLowerCase(Locale.ROOT));
        if (op.isMissingNode()) {
          return Optional.empty();
        }
        return Optional.of(new Operation(template.text(), method, params.get(), op));
      }
    }
    return Optional.empty();
  }

  /**
   * Everything wrong with a request, as Firecracker-style fault messages; empty when valid.
   *
   * @param body the parsed JSON body, or null when the request had none
   */
  List<String> violations(String method, String path, JsonNode body) {
    Optional<Operation> found = operation(method, path);
    if (found.isEmpty()) {
      return List.of("Invalid request method and/or path: " + method + " " + path + ".");
    }
    Operation op = found.get();
    List<String> out = new ArrayList<>();
    checkPathIds(op, body, out);
    for (JsonNode param : op.op().path("parameters")) {
      if (param.path("in").asString().equals("body")) {
        checkBody(param, body, out);
      }
    }
    return out;
  }

  private void checkPathIds(Operation op, JsonNode body, List<String> out) {
    op.pathParams()
        .forEach(
            (name, value) -> {
              if (!ID_RULE.matcher(value).matches()) {
                out.add(
                    "Invalid "
                        + name
                        + " \""
                        + value
                        + "\": an id may contain only letters, digits and '_'.");
              }
              JsonNode inBody = body == null ? null : body.get(name);
              if (inBody != null && !inBody.asString().equals(value)) {
                out.add(
                    "The "
                        + name
                        + " in the path (\""
                        + value
                        + "\") differs from the one in"
                        + " the body (\""
                        + inBody.asString()
                        + "\").");
              }
            });
  }

  private void checkBody(JsonNode param, JsonNode body, List<String> out) {
    if (body == null || body.isMissingNode()) {
      if (param.path("required").asBoolean(false)) {
        out.add("The request body is required but missing.");
      }
      return;
    }
    validate(param.path("schema"), body, "body", out);
  }

  /** Validates {@code value} against a Swagger schema, appending one message per problem. */
  void validate(JsonNode schema, JsonNode value, String where, List<String> out) {
    JsonNode resolved = resolve(schema);
    String type = resolved.path("type").asString("");
    switch (type) {
      case "object" -> validateObject(resolved, value, where, out);
      case "array" -> {
        if (!value.isArray()) {
          out.add(where + ": expected an array, got " + kind(value) + ".");
        } else {
          for (int i = 0; i < value.size(); i++) {
            validate(resolved.path("items"), value.get(i), where + "[" + i + "]", out);
          }
        }
      }
      case "string" -> {
        if (!value.isString()) {
          out.add(where + ": expected a string, got " + kind(value) + ".");
        } else {
          checkEnum(resolved, value, where, out);
        }
      }
      case "integer" -> validateInteger(resolved, value, where, out);
      case "number" -> {
        if (!value.isNumber()) {
          out.add(where + ": expected a number, got " + kind(value) + ".");
        }
      }
      case "boolean" -> {
        if (!value.isBoolean()) {
          out.add(where + ": expected a boolean, got " + kind(value) + ".");
        }
      }
      default -> {
        if (resolved.has("properties") && value.isObject()) {
          validateObject(resolved, value, where, out);
        }
      }
    }
  }

  private void validateObject(JsonNode schema, JsonNode value, String where, List<String> out) {
    if (!value.isObject()) {
      out.add(where + ": expected an object, got " + kind(value) + ".");
      return;
    }
    for (JsonNode required : schema.path("required")) {
      if (!value.has(required.asString())) {
        out.add(where + ": missing field `" + required.asString() + "`.");
      }
    }
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.path("additionalProperties");
    Map<String, JsonNode> members = new LinkedHashMap<>();
    value.properties().forEach(e -> members.put(e.getKey(), e.getValue()));
    members.forEach(
        (name, member) -> {
          if (properties.has(name)) {
            validate(properties.get(name), member, where + "." + name, out);
          } else if (additional.isObject()) {
            validate(additional, member, where + "." + name, out);
          } else if (!additional.asBoolean(false)) {
            out.add(where + ": unknown field `" + name + "`.");
          }
        });
  }

  private static void validateInteger(
      JsonNode schema, JsonNode value, String where, List<String> out) {
    if (!value.isIntegralNumber()) {
      out.add(where + ": expected an integer, got " + kind(value) + ".");
      return;
    }
    long number = value.asLong();
    if (schema.has("minimum") && number < schema.get("minimum").asLong()) {
      out.add(where + ": " + number + " is below the minimum " + schema.get("minimum") + ".");
    }
    if (schema.has("maximum") && number > schema.get("maximum").asLong()) {
      out.add(where + ": " + number + " is above the maximum " + schema.get("maximum") + ".");
    }
  }

  private static void checkEnum(JsonNode schema, JsonNode value, String where, List<String> out) {
    JsonNode allowed = schema.path("enum");
    if (!allowed.isArray()) {
      return;
    }
    for (JsonNode option : allowed) {
      if (option.asString().equals(value.asString())) {
        return;
      }
    }
    out.add(where + ": \"" + value.asString() + "\" is not one of " + allowed + ".");
  }

  private JsonNode resolve(JsonNode schema) {
    JsonNode current = schema;
    while (current.has("$ref")) {
      String ref = current.get("$ref").asString();
      if (!ref.startsWith("#/definitions/")) {
        throw new IllegalStateException("unsupported reference " + ref);
      }
      current = spec.path("definitions").path(ref.substring("#/definitions/".length()));
      if (current.isMissingNode()) {
        throw new IllegalStateException("dangling reference " + ref);
      }
    }
    return current;
  }

  private static String kind(JsonNode value) {
    return value.getNodeType().toString().toLowerCase(Locale.ROOT);
  }

  /** A path template such as {@code /drives/{drive_id}}. */
  private record Template(String text, List<String> segments) {
    static Template of(String text) {
      return new Template(text, List.of(text.substring(1).split("/", -1)));
    }

    Optional<Map<String, String>> match(String path) {
      List<String> parts = List.of(path.substring(1).split("/", -1));
      if (parts.size() != segments.size()) {
        return Optional.empty();
      }
      Map<String, String> params = new LinkedHashMap<>();
      for (int i = 0; i < parts.size(); i++) {
        String segment = segments.get(i);
        if (segment.startsWith("{") && segment.endsWith("}")) {
          params.put(segment.substring(1, segment.length() - 1), parts.get(i));
        } else if (!segment.equals(parts.get(i))) {
          return Optional.empty();
        }
      }
      return Optional.of(params);
    }
  }
}
