package dev.banger.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CommandTreeTest {
  @Test
  void onlyTheNamedBranchIsBuilt() {
    CommandLine cli = RootCommand.TREE.build(new String[] {"vm", "ls", "-o", "json"});

    assertThat(cli.getSubcommands().keySet()).containsExactly("vm");
    assertThat(cli.getSubcommands().get("vm").getSubcommands().keySet())
        .containsExactlyInAnyOrder("ls", "list");
  }

  @Test
  void aPartialPathBuildsEveryChildOfTheLastLevel() {
    CommandLine cli = RootCommand.TREE.build(new String[] {"daemon"});

    assertThat(cli.getSubcommands().get("daemon").getSubcommands().keySet())
        .contains("start", "stop", "status", "logs");
  }

  @Test
  void fullTreeHasEveryCommand() {
    CommandLine cli = RootCommand.TREE.buildAll();

    assertThat(cli.getSubcommands().keySet())
        .contains("version", "daemon", "doctor", "vm", "completion");
  }

  @Test
  void usageErrorsExitWithTwoAndHelpWithZero() {
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();

    assertThat(
            Main.run(
                new String[] {"vm", "ls", "-o", "yaml"},
                new PrintWriter(out),
                new PrintWriter(err)))
        .isEqualTo(2);
    assertThat(err.toString()).contains("yaml");
    assertThat(Main.run(new String[] {"frobnicate"}, new PrintWriter(out), new PrintWriter(err)))
        .isEqualTo(2);
    assertThat(Main.run(new String[] {"--help"}, new PrintWriter(out), new PrintWriter(err)))
        .isZero();
  }

  @Test
  void bashCompletionCoversSubcommands() {
    StringWriter out = new StringWriter();

    int rc =
        Main.run(
            new String[] {"completion", "bash"},
            new PrintWriter(out),
            new PrintWriter(new StringWriter()));

    assertThat(rc).isZero();
    assertThat(out.toString()).contains("complete -F", "vm", "daemon", "doctor");
  }
}
