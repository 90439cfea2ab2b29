package dev.banger.cli;

import dev.banger.cli.client.DaemonException;
import dev.banger.cli.command.RootCommand;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/**
 * The {@code banger} program. Exit codes: 0 success, 1 an error (the message on stderr says what
 * and what to do), 2 a usage error. Nothing but the command's own output goes to stdout.
 */
public final class Main {
  private Main() {}

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(
        run(
            args,
            new PrintWriter(System.out, true, StandardCharsets.UTF_8),
            new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
  }

  /** Runs the CLI with explicit streams and returns its exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    boolean whole = args.length > 0 && List.of("completion", "help").contains(args[0]);
    CommandLine cli =
        configure(whole ? RootCommand.TREE.buildAll() : RootCommand.TREE.build(args), out, err);
    return cli.execute(args);
  }

  /** The whole configured command tree. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    return configure(RootCommand.TREE.buildAll(), out, err);
  }

  private static CommandLine configure(CommandLine cli, PrintWriter out, PrintWriter err) {
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof CliException && e.getMessage().isEmpty()) {
            // The command's own exit status, already explained by its output.
          } else if (e instanceof DaemonException || e instanceof CliException) {
            commandLine.getErr().println("banger: " + e.getMessage());
          } else {
            commandLine.getErr().println("banger: " + e);
          }
          commandLine.getErr().flush();
          return e instanceof CliException ce ? ce.exitCode() : 1;
        });
    return cli;
  }
}
