package dev.banger.api;

import java.util.List;
import java.util.Map;

/**
 * One line of the exec stream between the CLI and the daemon, in either direction. The request body
 * starts with a line holding {@code argv}; then the CLI sends stdin, resize, signal and eof lines
 * while the daemon answers with stdout, stderr and finally exit lines. Binary data is base64.
 * Unused fields are null.
 *
 * @param argv the command (first request line only)
 * @param env extra environment (first request line only)
 * @param cwd the working directory (first request line only)
 * @param user the user to run as (first request line only)
 * @param tty terminal size {@code [columns, rows]} to run on a terminal (first line only)
 * @param stdin input bytes
 * @param eof the input has ended
 * @param resize a new terminal size {@code [columns, rows]}
 * @param signal a signal number to deliver to the command
 * @param stdout output bytes
 * @param stderr error output bytes
 * @param exit the exit status (the last answer line); 128+N for a signal N
 */
public record ExecMessage(
    List<String> argv,
    Map<String, String> env,
    String cwd,
    String user,
    List<Integer> tty,
    String stdin,
    Boolean eof,
    List<Integer> resize,
    Integer signal,
    String stdout,
    String stderr,
    Integer exit) {

  /** An input line. */
  public static ExecMessage input(String base64) {
    return new ExecMessage(
        null, null, null, null, null, base64, null, null, null, null, null, null);
  }
}
