package dev.banger.cli.output;

import dev.banger.cli.json.Json;
import java.util.Iterator;
import java.util.Map;

/**
 * Prints JSON for {@code -o json}: two-space indentation, one field per line, and empty arrays and
 * objects as {@code []} and {@code {}} so scripts can compare output as text. Thread-safe.
 */
public final class JsonPrinter {
  private JsonPrinter() {}

  /** The indented text of {@code node}, without a trailing newline. */
  public static String print(Json node) {
    StringBuilder out = new StringBuilder();
    write(node, out, 0);
    return out.toString();
  }

  private static void write(Json node, StringBuilder out, int depth) {
    if (node.isArray()) {
      if (node.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append("[\n");
      Iterator<Json> it = node.iterator();
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
      Iterator<Map.Entry<String, Json>> it = node.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, Json> e = it.next();
        indent(out, depth + 1);
        out.append(Json.quote(e.getKey())).append(": ");
        write(e.getValue(), out, depth + 1);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      indent(out, depth);
      out.append('}');
    } else {
      out.append(node);
    }
  }

  private static void indent(StringBuilder out, int depth) {
    out.append("  ".repeat(depth));
  }
}
