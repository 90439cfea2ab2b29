package dev.banger.guest;

import dev.banger.guest.wire.OpenRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A command to run in the guest. The environment starts from defaults (PATH, HOME, USER, LOGNAME,
 * SHELL, TERM with a terminal, and in init mode the image's environment) and {@code env} overrides
 * them. Immutable; the {@code with} methods return copies.
 *
 * @param argv the program (looked up in PATH) and its arguments
 * @param env variables to set
 * @param cwd the working directory, or null for the user's home directory
 * @param user the user to run as ("name", "uid", "name:group", "uid:gid"), or null for root
 * @param terminal the size of a pseudo-terminal to run on, or null for plain pipes
 */
public record ExecRequest(
    List<String> argv, Map<String, String> env, String cwd, String user, TerminalSize terminal) {
  /** Copies and checks the arguments. */
  public ExecRequest {
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
    if (argv.isEmpty() || argv.getFirst().isEmpty()) {
      throw new IllegalArgumentException("a command needs a program name");
    }
    for (String name : env.keySet()) {
      if (name.isEmpty() || name.indexOf('=') >= 0) {
        throw new IllegalArgumentException("invalid environment variable name: " + name);
      }
    }
    if (cwd != null && !cwd.startsWith("/")) {
      throw new IllegalArgumentException("working directory must be absolute: " + cwd);
    }
  }

  /** A command with the default environment, as root, in root's home, without a terminal. */
  public static ExecRequest of(String... argv) {
    return of(List.of(argv));
  }

  /** A command with the default environment, as root, in root's home, without a terminal. */
  public static ExecRequest of(List<String> argv) {
    return new ExecRequest(argv, Map.of(), null, null, null);
  }

  /** A copy with one more environment variable. */
  public ExecRequest withEnv(String name, String value) {
    Map<String, String> more = new TreeMap<>(env);
    more.put(name, Objects.requireNonNull(value, "value"));
    return new ExecRequest(argv, more, cwd, user, terminal);
  }

  /** A copy with these environment variables added. */
  public ExecRequest withEnv(Map<String, String> vars) {
    Map<String, String> more = new TreeMap<>(env);
    more.putAll(vars);
    return new ExecRequest(argv, more, cwd, user, terminal);
  }

  /** A copy that runs in {@code dir}. */
  public ExecRequest withCwd(String dir) {
    return new ExecRequest(argv, env, dir, user, terminal);
  }

  /** A copy that runs as {@code spec}. */
  public ExecRequest withUser(String spec) {
    return new ExecRequest(argv, env, cwd, spec, terminal);
  }

  /** A copy that runs on a terminal of this size. */
  public ExecRequest withTerminal(TerminalSize size) {
    return new ExecRequest(argv, env, cwd, user, size);
  }

  /** The OPEN payload for this request; variables go in name order. */
  OpenRequest.Exec toOpen() {
    List<String> vars = new ArrayList<>();
    new TreeMap<>(env).forEach((k, v) -> vars.add(k + "=" + v));
    return new OpenRequest.Exec(
        argv,
        vars,
        cwd,
        user,
        terminal == null ? 0 : terminal.rows(),
        terminal == null ? 0 : terminal.cols());
  }
}
