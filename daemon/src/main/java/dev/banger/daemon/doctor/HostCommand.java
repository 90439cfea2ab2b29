package dev.banger.daemon.doctor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short host command for a probe, with a time limit, and captures its output. A command that
 * does not finish in time is killed. Thread-safe (stateless).
 */
final class HostCommand {
  private HostCommand() {}

  /** The result of a finished command; exit -1 means it could not start or timed out. */
  record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }

    String firstLine() {
      return output.lines().findFirst().orElse("").trim();
    }
  }

  static Result run(Duration limit, String... argv) {
    return run(limit, List.of(argv));
  }

  static Result run(Duration limit, List<String> argv) {
    Path out = null;
    try {
      out = Files.createTempFile("banger-probe", ".out");
      Process p =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        return new Result(
            -1, argv.getFirst() + " did not finish within " + limit.toSeconds() + " s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException e) {
          // A leftover temp file of a few bytes is not worth failing a probe for.
        }
      }
    }
  }

  /** The absolute path of {@code name} on PATH (or {@code name} itself when it has a slash). */
  static Optional<Path> which(String name) {
    if (name.contains("/")) {
      Path p = Path.of(name);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p) && !Files.isDirectory(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }
}
