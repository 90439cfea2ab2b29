package dev.banger.cli.client;

import dev.banger.api.Locations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Starts {@code bangerd} in its own session (so it outlives the CLI and its terminal) and waits,
 * for a bounded time, until its socket answers. A daemon that exits or does not answer in time is
 * reported with its own error output and the path of its log file; the wait never hangs.
 * Thread-safe (stateless).
 */
public final class DaemonLauncher {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final Optional<Path> daemonBinary;

  /** A launcher for the {@code bangerd} next to this CLI, or named by {@code BANGER_DAEMON}. */
  public DaemonLauncher(Optional<Path> daemonBinary) {
    this.daemonBinary = daemonBinary;
  }

  /** The {@code bangerd} program that belongs to this CLI installation. */
  public static DaemonLauncher forThisInstallation() {
    String explicit = System.getenv("BANGER_DAEMON");
    if (explicit != null && !explicit.isBlank()) {
      return new DaemonLauncher(Optional.of(Path.of(explicit)));
    }
    String home = System.getProperty("banger.home");
    return new DaemonLauncher(Optional.ofNullable(home).map(h -> Path.of(h, "bin", "bangerd")));
  }

  /** Starts the daemon and returns once {@code ready} is true. */
  public void start(Locations locations, BooleanSupplier ready) {
    Path bin =
        daemonBinary
            .filter(Files::isExecutable)
            .orElseThrow(
                () ->
                    new DaemonException(
                        "UNREACHABLE",
                        "bangerd is not running and its program"
                            + " was not found"
                            + daemonBinary.map(p -> " at " + p).orElse("")
                            + "; set BANGER_DAEMON to the bangerd path"));
    Path output = locations.runtimeDir().resolve("bangerd.out");
    Process process;
    try {
      Files.createDirectories(locations.runtimeDir());
      process =
          new ProcessBuilder(List.of("setsid", bin.toString()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(ProcessBuilder.Redirect.to(output.toFile()))
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new DaemonException("UNREACHABLE", "cannot start " + bin + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (ready.getAsBoolean()) {
        return;
      }
      if (!process.isAlive() && !lostRaceToAnotherDaemon(output)) {
        if (ready.getAsBoolean()) {
          return;
        }
        throw new DaemonException(
            "UNREACHABLE",
            "bangerd exited with status "
                + process.exitValue()
                + " before it answered: "
                + tail(output)
                + " (daemon log: "
                + locations.logFile()
                + ")");
      }
      sleep();
    }
    throw new DaemonException(
        "UNREACHABLE",
        "bangerd did not answer on "
            + locations.socket()
            + " within "
            + WAIT.toSeconds()
            + " s; see its log: "
            + locations.logFile());
  }

  /** Two CLIs started a daemon at once; the other one won the lock and is starting. */
  private static boolean lostRaceToAnotherDaemon(Path output) {
    return tail(output).contains("another bangerd");
  }

  private static String tail(Path output) {
    try {
      List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
      return lines.isEmpty()
          ? "no output"
          : String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "no output";
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DaemonException("UNREACHABLE", "interrupted while waiting for bangerd");
    }
  }
}
