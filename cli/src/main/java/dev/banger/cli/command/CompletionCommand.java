package dev.banger.cli.command;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code banger completion bash}: prints a completion script to source in bash. */
@Command(
    name = "completion",
    description = "Print a shell completion script, e.g. `source <(banger completion bash)`.")
public final class CompletionCommand implements Runnable {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "The shell: ${COMPLETION-CANDIDATES}.")
  Shell shell;

  /** Shells with a completion script. */
  public enum Shell {
    /** GNU bash (zsh can load it with bashcompinit). */
    bash
  }

  @Override
  public void run() {
    CommandSpec root = spec;
    while (root.parent() != null) {
      root = root.parent();
    }
    RootCommand.out(spec).print(AutoComplete.bash("banger", root.commandLine()));
    RootCommand.out(spec).flush();
  }
}
