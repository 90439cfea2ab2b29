package dev.banger.cli.command;

import dev.banger.cli.CliException;
import dev.banger.cli.client.DaemonClient;
import dev.banger.cli.client.HttpResponse;
import dev.banger.cli.json.Json;
import dev.banger.cli.output.OperationProgress;
import dev.banger.cli.output.Table;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code banger op ls|show|watch|cancel}: the daemon's long-running operations. */
@Command(name = "op", description = "List, watch and cancel long operations (pulls, builds).")
public final class OpCommand implements Runnable {
  static final String PATH = "/v1/operations";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Follows operation {@code id} until it ends, drawing its progress on stderr; returns the final
   * state, or throws when it did not succeed.
   */
  static Json follow(DaemonClient client, String id, PrintWriter err) {
    OperationProgress progress = new OperationProgress(err, OperationProgress.stderrIsTerminal());
    Json last = null;
    HttpResponse response = client.send("GET", PATH + "/" + id + "/watch", null);
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (!line.isBlank()) {
          last = Json.parse(line);
          progress.show(last);
        }
      }
    } catch (IOException e) {
      throw new CliException(
          "lost the operation "
              + id
              + " while watching it: "
              + e.getMessage()
              + "; it goes on in the daemon: `banger op watch "
              + id
              + "`");
    } finally {
      progress.finish();
    }
    if (last == null) {
      throw new CliException("the daemon sent no state for operation " + id);
    }
    String state = last.path("state").asString();
    if (!"succeeded".equals(state)) {
      throw new CliException(
          last.path("kind").asString()
              + " "
              + last.path("target").asString()
              + " "
              + state
              + ": "
              + last.path("message").asString());
    }
    return last;
  }

  static String table(Json ops) {
    Table t = new Table("ID", "KIND", "TARGET", "STATE", "PHASE", "UPDATED", "MESSAGE");
    for (Json op : ops) {
      t.row(
          op.path("id").asString(),
          op.path("kind").asString(),
          op.path("target").asString(),
          op.path("state").asString(),
          op.path("phase").asString(),
          op.path("updatedAt").asString(),
          op.path("message").asString());
    }
    return t.render();
  }

  /** {@code banger op ls}. */
  @Command(name = "ls", aliases = "list", description = "List operations, newest first.")
  public static final class Ls implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Override
    public void run() {
      output.print(
          RootCommand.out(spec), RootCommand.of(spec).client().get(PATH), OpCommand::table);
    }
  }

  /** {@code banger op show ID}. */
  @Command(name = "show", description = "Show one operation.")
  public static final class Show implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Parameters(paramLabel = "ID", description = "Operation id.")
    String id;

    @Override
    public void run() {
      Json op = RootCommand.of(spec).client().get(PATH + "/" + id);
      output.print(RootCommand.out(spec), op, n -> VmCommand.Show.render(n));
    }
  }

  /** {@code banger op watch ID}. */
  @Command(name = "watch", description = "Follow an operation until it ends.")
  public static final class Watch implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "Operation id.")
    String id;

    @Override
    public void run() {
      Json end = follow(RootCommand.of(spec).client(), id, spec.commandLine().getErr());
      RootCommand.out(spec).println(end.path("message").asString());
    }
  }

  /** {@code banger op cancel ID}. */
  @Command(name = "cancel", description = "Cancel a running operation.")
  public static final class Cancel implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "Operation id.")
    String id;

    @Override
    public void run() {
      RootCommand.of(spec).client().post(PATH + "/" + id + "/cancel", null);
      RootCommand.out(spec).println("cancel requested for operation " + id);
    }
  }
}
