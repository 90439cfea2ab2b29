package dev.banger.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real agent binary running on the host with {@code --transport unix}, for tests. */
final class AgentProcess implements AutoCloseable {
  private final Process process;
  private final Path socket;
  private final Path log;

  private AgentProcess(Process process, Path socket, Path log) {
    this.process = process;
    this.socket = socket;
    this.log = log;
  }

  /** The binary built by {@code make -C agent}, found through the banger.bin property. */
  static Path binary() {
    String bin = System.getProperty("banger.bin");
    if (bin == null) {
      throw new IllegalStateException(
          "system property banger.bin is not set (the parent POM" + " sets it to build/bin)");
    }
    Path agent = Path.of(bin, "banger-vsock-agent");
    if (!Files.isExecutable(agent)) {
      throw new IllegalStateException(
          "the agent binary "
              + agent
              + " is missing: build it with `make -C agent OUT="
              + bin
              + "` before running these tests");
    }
    return agent;
  }

  /** Starts the agent on {@code socket} and waits until it listens. */
  static AgentProcess start(Path socket, String... extraArgs) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary().toString(),
                "--transport",
                "unix",
                "--socket",
                socket.toString(),
                "--no-netconf"));
    cmd.addAll(List.of(extraArgs));
    Path log = socket.resolveSibling(socket.getFileName() + ".log");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    AgentProcess agent = new AgentProcess(p, socket, log);
    agent.awaitListening();
    return agent;
  }

  private void awaitListening() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(socket)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        close();
        throw new IOException("the agent did not start listening on " + socket + ":\n" + log());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }

  AgentTransport transport() {
    return AgentTransport.unixSocket(socket);
  }

  Path socket() {
    return socket;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, as a VM that disappears. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** The exit status, or -1 if it still runs after {@code timeout}. */
  int waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  String log() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
      Files.deleteIfExists(socket);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } catch (IOException e) {
      throw new IllegalStateException("removing " + socket, e);
    }
  }
}
