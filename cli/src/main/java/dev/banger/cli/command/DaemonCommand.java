package dev.banger.cli.command;

import dev.banger.api.Routes;
import dev.banger.cli.CliException;
import dev.banger.cli.client.DaemonClient;
import dev.banger.cli.json.Json;
import dev.banger.cli.output.Table;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code banger daemon start|stop|status|logs}. */
@Command(
    name = "daemon",
    description = "Manage bangerd, the daemon that owns VMs, images and kernels.")
public final class DaemonCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code banger daemon start}. */
  @Command(name = "start", description = "Start bangerd in the background if it is not running.")
  public static final class Start implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      DaemonClient client = RootCommand.of(spec).client();
      boolean wasRunning = client.canConnect();
      Json status = client.get(Routes.DAEMON);
      RootCommand.out(spec)
          .printf(
              "bangerd %s (pid %d)%n",
              wasRunning ? "already running" : "started", status.path("pid").asLong());
    }
  }

  /** {@code banger daemon stop}. */
  @Command(name = "stop", description = "Stop bangerd gracefully; running VMs keep running.")
  public static final class Stop implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      DaemonClient client = RootCommand.of(spec).client();
      PrintWriter out = RootCommand.out(spec);
      if (!client.canConnect()) {
        out.println("bangerd is not running");
        return;
      }
      long pid = client.get(Routes.DAEMON).path("pid").asLong();
      client.post(Routes.DAEMON_SHUTDOWN, null);
      long deadline = System.nanoTime() + 15_000_000_000L;
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        if (System.nanoTime() > deadline) {
          throw new CliException(
              "bangerd (pid "
                  + pid
                  + ") did not stop within 15 s; see "
                  + client.locations().logFile());
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      out.printf("bangerd stopped (pid %d)%n", pid);
    }
  }

  /** {@code banger daemon status}. */
  @Command(name = "status", description = "Show whether bangerd runs, its pid and its paths.")
  public static final class Status implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Override
    public void run() {
      DaemonClient client = RootCommand.of(spec).client();
      if (!client.canConnect()) {
        throw new CliException(
            "bangerd is not running (socket "
                + client.locations().socket()
                + "); start it with `banger daemon start`");
      }
      output.print(
          RootCommand.out(spec),
          client.get(Routes.DAEMON),
          n ->
              new Table("PID", "VERSION", "STARTED", "SOCKET", "LOG")
                  .row(
                      n.path("pid").asString(),
                      n.path("version").asString(),
                      n.path("startedAt").asString(),
                      n.path("socket").asString(),
                      n.path("logFile").asString())
                  .render());
    }
  }

  /** {@code banger daemon logs}. */
  @Command(name = "logs", description = "Print the daemon's log file.")
  public static final class Logs implements Runnable {
    @Spec CommandSpec spec;

    @Option(
        names = {"-f", "--follow"},
        description = "Keep printing new lines.")
    boolean follow;

    @Option(
        names = {"-n", "--lines"},
        description = "Print the last N lines (default 100).")
    int lines = 100;

    @Override
    public void run() {
      Path log = dev.banger.api.Locations.detect().logFile();
      if (!Files.exists(log)) {
        throw new CliException("no daemon log at " + log + " yet; the daemon has not run here");
      }
      PrintWriter out = RootCommand.out(spec);
      try {
        List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(out::println);
        out.flush();
        if (follow) {
          follow(log, Files.size(log), out);
        }
      } catch (IOException e) {
        throw new CliException("cannot read " + log + ": " + e.getMessage());
      }
    }

    private static void follow(Path log, long from, PrintWriter out) throws IOException {
      try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
        long pos = from;
        byte[] buf = new byte[8192];
        while (!Thread.currentThread().isInterrupted()) {
          file.seek(pos);
          int n = file.read(buf);
          if (n > 0) {
            pos += n;
            out.print(new String(buf, 0, n, StandardCharsets.UTF_8));
            out.flush();
          } else {
            try {
              Thread.sleep(200);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }
      }
    }
  }
}
