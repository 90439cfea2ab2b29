package dev.banger.cli.command;

import dev.banger.api.Routes;
import dev.banger.cli.CliException;
import dev.banger.cli.json.Json;
import dev.banger.cli.output.JsonPrinter;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code banger doctor}: host readiness, one line per check, non-zero on a failed check. */
@Command(name = "doctor", description = "Check that this host can run banger VMs.")
public final class DoctorCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public void run() {
    Json report = RootCommand.of(spec).client().get(Routes.DOCTOR);
    PrintWriter out = RootCommand.out(spec);
    if (json) {
      out.println(JsonPrinter.print(report));
    } else {
      for (Json c : report.path("checks")) {
        String status = c.path("status").asString();
        out.printf(
            "%-5s %-14s %s%n",
            status.toUpperCase(java.util.Locale.ROOT),
            c.path("name").asString(),
            c.path("detail").asString());
        if (!"ok".equals(status) && !c.path("remedy").asString().isEmpty()) {
          out.printf("%-20s -> %s%n", "", c.path("remedy").asString());
        }
      }
      out.printf(
          "VMs will run on %s (%s); disks: %s%n",
          report.path("vmm").asString(),
          report.path("accel").asString(),
          report.path("diskStrategy").asString());
    }
    out.flush();
    boolean failed = false;
    for (Json c : report.path("checks")) {
      failed |= c.path("required").asBoolean() && "fail".equals(c.path("status").asString());
    }
    if (failed) {
      throw new CliException("a required check failed; see the remedies above");
    }
  }
}
