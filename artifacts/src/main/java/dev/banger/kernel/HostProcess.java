package dev.banger.kernel;

import dev.banger.download.Cancellation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one host tool (apt-get, apt-cache, dpkg-deb) to completion with a timeout and cancellation,
 * output captured in files so that a chatty tool can never block on a full pipe. Stateless and
 * thread-safe.
 */
final class HostProcess {

  private static final Logger LOG = LoggerFactory.getLogger(HostProcess.class);

  private static final long POLL_MILLIS = 100;
  private static final int MAX_ERROR_CHARS = 2000;

  private HostProcess() {}

  /** The captured standard output of a successful run. */
  record Result(String stdout) {}

  /**
   * Runs {@code command} in {@code workDir} with a C locale.
   *
   * @param whileRunning called about ten times a second until the process exits
   * @throws KernelException if it cannot start, times out or exits non-zero (with its stderr)
   * @throws CancellationException if {@code cancellation} fires; the process is killed first
   */
  static Result run(
      List<String> command,
      Path workDir,
      Duration timeout,
      Cancellation cancellation,
      Runnable whileRunning)
      throws KernelException {
    cancellation.throwIfCancelled("'" + String.join(" ", command) + "'");
    Path stdout = null;
    Path stderr = null;
    try {
      stdout = Files.createTempFile("banger-" + command.getFirst(), ".out");
      stderr = Files.createTempFile("banger-" + command.getFirst(), ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      builder.environment().put("LC_ALL", "C");
      builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
      Process process = builder.start();
      int exit = await(process, command, timeout, cancellation, whileRunning);
      if (exit != 0) {
        throw new KernelException(
            "'"
                + String.join(" ", command)
                + "' in '"
                + workDir
                + "' exited with status "
                + exit
                + ": "
                + tail(Files.readString(stderr, StandardCharsets.UTF_8)));
      }
      return new Result(Files.readString(stdout, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new KernelException(
          "Cannot run '" + String.join(" ", command) + "' in '" + workDir + "': " + e.getMessage(),
          e);
    } finally {
      deleteQuietly(stdout);
      deleteQuietly(stderr);
    }
  }

  private static int await(
      Process process,
      List<String> command,
      Duration timeout,
      Cancellation cancellation,
      Runnable whileRunning)
      throws KernelException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Cancellation.Registration ignored = cancellation.onCancel(() -> kill(process))) {
      while (!process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        whileRunning.run();
        if (cancellation.isCancelled()) {
          kill(process);
          throw new CancellationException("'" + String.join(" ", command) + "' was cancelled");
        }
        if (System.nanoTime() > deadline) {
          kill(process);
          throw new KernelException(
              "'" + String.join(" ", command) + "' did not finish within " + timeout);
        }
      }
      whileRunning.run();
      // A cancel that killed the process shows up as its exit; report it as what it was.
      cancellation.throwIfCancelled("'" + String.join(" ", command) + "'");
      return process.exitValue();
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new CancellationException(
          "'" + String.join(" ", command) + "' was cancelled by an interrupt");
    }
  }

  /** Kills the tool and its helpers (dpkg-deb runs tar and a decompressor). */
  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String tail(String text) {
    String trimmed = text.strip();
    return trimmed.length() <= MAX_ERROR_CHARS
        ? trimmed
        : "..." + trimmed.substring(trimmed.length() - MAX_ERROR_CHARS);
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("Could not delete the captured output '{}'", file, e);
    }
  }
}
