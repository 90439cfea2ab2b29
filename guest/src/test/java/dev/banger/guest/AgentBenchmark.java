package dev.banger.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.opentest4j.TestAbortedException;

/**
 * Prints the agent's figures: its resident memory in a guest, the median round trip of a command,
 * and copy throughput in both directions; in a QEMU guest over virtio-serial (TCG) and, for
 * reference, on the host over a Unix socket. Run by {@code agent/bench.sh}; not a test.
 */
public final class AgentBenchmark {
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private AgentBenchmark() {}

  /** {@code [runs] [MiB]}: exec round trips to time and the size of the copied file. */
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    Path work = Files.createTempDirectory("agent-bench");
    try {
      host(work, runs, mib);
      guest(work, runs, mib);
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void host(Path work, int runs, int mib) throws Exception {
    try (AgentProcess agent = AgentProcess.start(work.resolve("bench.sock"));
        AgentClient client = AgentClient.connect(agent.transport())) {
      String rss =
          client
              .run(ExecRequest.of("sh", "-c", "grep VmRSS /proc/$PPID/status"), null, TIMEOUT)
              .stdoutText()
              .strip();
      report("host, unix socket", rss, client, work, runs, mib);
    }
  }

  private static void guest(Path work, int runs, int mib) throws Exception {
    Path dir = Files.createDirectories(work.resolve("guest"));
    try (QemuGuest guest = QemuGuest.boot(dir, "banger.agent=serial");
        AgentClient client =
            AgentClient.connect(
                guest.transport(),
                AgentClientOptions.defaults().withConnectTimeout(Duration.ofSeconds(120)))) {
      String rss =
          client
              .run(ExecRequest.of("sh", "-c", "grep VmRSS /proc/$PPID/status"), null, TIMEOUT)
              .stdoutText()
              .strip();
      report("guest, QEMU microvm TCG, virtio-serial", rss, client, dir, runs, mib);
      client.shutdown();
      guest.awaitExit(Duration.ofSeconds(60));
    } catch (TestAbortedException e) {
      System.out.println("guest: not measured: " + e.getMessage());
    }
  }

  private static void report(
      String where, String rss, AgentClient client, Path dir, int runs, int mib) throws Exception {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < runs + 3; i++) {
      long start = System.nanoTime();
      client.run(ExecRequest.of("true"), null, TIMEOUT);
      if (i >= 3) { // the first runs warm caches on both sides
        micros.add((System.nanoTime() - start) / 1000);
      }
    }
    Collections.sort(micros);
    Path file = Streams.randomFile(dir.resolve("bench.bin"), (long) mib << 20, 5);
    String guestPath = "/tmp/bench-" + ProcessHandle.current().pid() + ".bin";
    double in = mibPerSecond(mib, () -> client.putFile(file, guestPath));
    double out = mibPerSecond(mib, () -> client.getFile(guestPath, dir.resolve("back.bin")));
    client.run(ExecRequest.of("rm", "-f", guestPath), null, TIMEOUT);
    if (!Streams.sha256(file).equals(Streams.sha256(dir.resolve("back.bin")))) {
      throw new IOException("the copy back differs from the original");
    }
    System.out.printf(
        Locale.ROOT,
        "%s: agent RSS %s; exec round trip median %.2f ms (p90 %.2f ms, %d runs);"
            + " cp to guest %.1f MiB/s, from guest %.1f MiB/s (%d MiB)%n",
        where,
        rss.replace("VmRSS:", "").strip(),
        micros.get(micros.size() / 2) / 1000.0,
        micros.get(micros.size() * 9 / 10) / 1000.0,
        runs,
        in,
        out,
        mib);
  }

  @FunctionalInterface
  private interface Copy {
    void run() throws Exception;
  }

  private static double mibPerSecond(int mib, Copy copy) throws Exception {
    long start = System.nanoTime();
    copy.run();
    return mib / ((System.nanoTime() - start) / 1e9);
  }
}
