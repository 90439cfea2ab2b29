package dev.banger.cli.output;

import java.util.Iterator;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prints JSON for {@code -o json}: two-space indentation, one field per line, and empty arrays and
 * objects as {@code []} and {@code {}} so scripts can compare output as text. Thread-safe.
 */
public final class JsonPrinter {
  private static final ObjectMapper SCALARS = JsonMapper.builder().build();

  private JsonPrinter() {}

  /** The indented text of {@code node}, without a trailing newline. */
  public static String print(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(node, out, 0);
    return out.toString();
  }

  private static void write(JsonNode node, StringBuilder out, int depth) {
    if (node.isArray()) {
      if (node.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append("[\n");
      Iterator<JsonNode> it = node.values().iterator();
      while (it.hasNext()) {
        indent(out, depth + 1);
        write(it.next(), out, depth + 1);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      indent(out, depth);
      out.append(']');
    } else if (node.isObject()) {
      if (node.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append("{\n");
      Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        indent(out, depth + 1);
        out.append(SCALARS.writeValueAsString(e.getKey())).append(": ");
        write(e.getValue(), out, depth + 1);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      indent(out, depth);
      out.append('}');
    } else {
      out.append(SCALARS.writeValueAsString(node));
    }
  }

  private static void indent(StringBuilder out, int depth) {
    out.append("  ".repeat(depth));
  }
}
