package dev.banger.hostos;

import java.util.List;

/**
 * What an external command did: its full command line (with any runner prefix), exit status and
 * captured output. Immutable and thread-safe.
 *
 * @param commandLine the argv that was executed, prefix included
 * @param exitCode the process exit status
 * @param stdout everything the command wrote to standard output, decoded as UTF-8
 * @param stderr everything the command wrote to standard error, decoded as UTF-8
 */
public record CommandResult(List<String> commandLine, int exitCode, String stdout, String stderr) {

  /** Copies the command line so the record stays immutable. */
  public CommandResult {
    commandLine = List.copyOf(commandLine);
  }

  /** True when the command exited with status 0. */
  public boolean succeeded() {
    return exitCode == 0;
  }

  /** The command line as a shell-like string, for error messages and logs. */
  public String display() {
    return String.join(" ", commandLine);
  }
}
