package dev.banger.hostos;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs external host programs ({@code ip}, {@code losetup}, {@code nft}, {@code mkfs.ext4}...) and
 * captures what they print. A runner can carry a prefix that is put in front of every command line,
 * such as {@code ip netns exec NS}, so that the same network code runs on the host or inside a
 * network namespace.
 *
 * <p>Instances are immutable and thread-safe; each call starts its own process.
 */
public final class CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  private final List<String> prefix;
  private final Duration timeout;

  private CommandRunner(List<String> prefix, Duration timeout) {
    this.prefix = List.copyOf(prefix);
    this.timeout = timeout;
  }

  /** A runner that executes commands directly on the host. */
  public static CommandRunner onHost() {
    return new CommandRunner(List.of(), DEFAULT_TIMEOUT);
  }

  /** A runner whose commands run inside the named network namespace ({@code ip netns exec}). */
  public CommandRunner inNetworkNamespace(String namespace) {
    List<String> withNamespace = new ArrayList<>(prefix);
    withNamespace.addAll(List.of("ip", "netns", "exec", namespace));
    return new CommandRunner(withNamespace, timeout);
  }

  /** A runner like this one that kills a command still running after {@code limit}. */
  public CommandRunner withTimeout(Duration limit) {
    return new CommandRunner(prefix, limit);
  }

  /** The words put in front of every command line (empty on the host). */
  public List<String> prefix() {
    return prefix;
  }

  /** True when {@code program} is an executable file in one of the {@code PATH} directories. */
  public static boolean onPath(String program) {
    return findOnPath(program).isPresent();
  }

  /** The first executable file named {@code program} in the {@code PATH} directories. */
  public static Optional<Path> findOnPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : path.split(File.pathSeparator, -1)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return Optional.of(Path.of(dir, program));
      }
    }
    return Optional.empty();
  }

  /**
   * Runs {@code argv} and returns its result whatever the exit status.
   *
   * @throws HostOsException when the program cannot be started, times out or is interrupted
   */
  public CommandResult run(List<String> argv) throws HostOsException {
    return run(argv, new byte[0]);
  }

  /** Runs {@code argv} with {@code stdin} fed to its standard input. */
  public CommandResult run(List<String> argv, byte[] stdin) throws HostOsException {
    List<String> commandLine = new ArrayList<>(prefix);
    commandLine.addAll(argv);
    LOG.debug("running {}", commandLine);
    Process process = start(commandLine);
    CompletableFuture<Void> input = feed(process.getOutputStream(), stdin);
    CompletableFuture<byte[]> error = drain(process.getErrorStream());
    CompletableFuture<byte[]> output = drain(process.getInputStream());
    int exit = await(process, commandLine);
    return new CommandResult(
        commandLine, exit, text(output, commandLine), text(error, commandLine, input));
  }

  /**
   * Runs {@code argv} and fails unless it exits with status 0.
   *
   * @throws HostOsException naming the command line, its exit status and what it printed on
   *     standard error
   */
  public CommandResult check(List<String> argv) throws HostOsException {
    return check(argv, new byte[0]);
  }

  /** Like {@link #check(List)}, with {@code stdin} fed to the command. */
  public CommandResult check(List<String> argv, byte[] stdin) throws HostOsException {
    CommandResult result = run(argv, stdin);
    if (!result.succeeded()) {
      throw new HostOsException(
          "command `%s` exited with status %d: %s"
              .formatted(result.display(), result.exitCode(), result.stderr().strip()));
    }
    return result;
  }

  private static Process start(List<String> commandLine) throws HostOsException {
    try {
      return new ProcessBuilder(commandLine).start();
    } catch (IOException e) {
      throw new HostOsException(
          "could not start `%s` (is %s installed?)"
              .formatted(String.join(" ", commandLine), commandLine.getFirst()),
          e);
    }
  }

  private int await(Process process, List<String> commandLine) throws HostOsException {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new HostOsException(
            "command `%s` did not finish within %s and was killed"
                .formatted(String.join(" ", commandLine), timeout));
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new HostOsException(
          "interrupted while waiting for `%s`".formatted(String.join(" ", commandLine)), e);
    }
  }

  private static CompletableFuture<Void> feed(OutputStream stdin, byte[] bytes) {
    return CompletableFuture.runAsync(
        () -> {
          try (stdin) {
            stdin.write(bytes);
          } catch (IOException e) {
            // A command may exit without reading its input, which breaks the pipe. That is only
            // a failure if the command says so through its exit status, which the caller checks.
            LOG.debug("command did not read all of its standard input", e);
          }
        },
        Thread::startVirtualThread);
  }

  private static CompletableFuture<byte[]> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        Thread::startVirtualThread);
  }

  private static String text(
      CompletableFuture<byte[]> stream, List<String> commandLine, CompletableFuture<?>... others)
      throws HostOsException {
    try {
      for (CompletableFuture<?> other : others) {
        other.get();
      }
      return new String(stream.get(), StandardCharsets.UTF_8);
    } catch (ExecutionException e) {
      throw new HostOsException(
          "could not read the output of `%s`".formatted(String.join(" ", commandLine)),
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HostOsException(
          "interrupted while reading the output of `%s`".formatted(String.join(" ", commandLine)),
          e);
    }
  }
}
