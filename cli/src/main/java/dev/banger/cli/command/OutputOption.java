package dev.banger.cli.command;

import dev.banger.cli.json.Json;
import dev.banger.cli.output.JsonPrinter;
import java.io.PrintWriter;
import java.util.function.Function;
import picocli.CommandLine.Option;

/** The {@code -o table|json} option shared by every list and show command. */
public final class OutputOption {
  /** The output formats. */
  public enum Format {
    /** Aligned columns for people. */
    table,
    /** Indented JSON for scripts. */
    json
  }

  @Option(
      names = {"-o", "--output"},
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
      defaultValue = "table")
  Format format = Format.table;

  /** Prints {@code node} as JSON, or as the table {@code render} makes of it. */
  void print(PrintWriter out, Json node, Function<Json, String> render) {
    if (format == Format.json) {
      out.println(JsonPrinter.print(node));
    } else {
      out.print(render.apply(node));
    }
    out.flush();
  }
}
