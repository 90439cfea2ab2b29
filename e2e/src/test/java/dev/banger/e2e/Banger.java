package dev.banger.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Drives the built programs in {@code build/bin} against a private state, runtime and config
 * directory, and cleans up after itself: it stops the daemon (by force if need be) and deletes the
 * directories. Not thread-safe; one per test.
 */
final class Banger implements AutoCloseable {
  /** What one CLI call did. */
  record Result(int exit, String out, String err) {}

  private final Path bin;
  private final Path root;
  private final List<String> prefix;
  private final Path cacheDir;
  private long timeoutSeconds = 120;

  Banger(Path root) {
    this(root, List.of());
  }

  /** A harness whose commands run behind {@code prefix} (e.g. a setpriv call). */
  Banger(Path root, List<String> prefix) {
    this(root, prefix, sharedCacheDir());
  }

  /** A harness with its own cache directory (for a pull from nothing). */
  Banger(Path root, List<String> prefix, Path cacheDir) {
    String dir = System.getProperty("banger.bin");
    if (dir == null || !Files.isExecutable(Path.of(dir, "banger"))) {
      throw new IllegalStateException(
          "the built programs are missing in " + dir + ": run `make build` first (make test does)");
    }
    this.bin = Path.of(dir);
    this.root = root;
    this.prefix = prefix;
    this.cacheDir = cacheDir;
  }

  /** Allows each later call up to {@code seconds} (image pulls on a fresh machine are slow). */
  Banger timeout(long seconds) {
    this.timeoutSeconds = seconds;
    return this;
  }

  Path stateDir() {
    return root.resolve("state");
  }

  Path runtimeDir() {
    return root.resolve("run");
  }

  Path configDir() {
    return root.resolve("config");
  }

  /**
   * Downloads and build caches shared by every test run on this machine (Debian packages, the
   * debootstrap result), outside the checkout, so reruns are fast; deleting it rebuilds all.
   */
  static Path sharedCacheDir() {
    return Path.of(
        System.getenv().getOrDefault("BANGER_TEST_CACHE", "/var/cache/banger-test"),
        "daemon-cache");
  }

  Path socket() {
    return runtimeDir().resolve("bangerd.sock");
  }

  Result run(String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(prefix);
    argv.add(bin.resolve("banger").toString());
    argv.addAll(List.of(args));
    Path out = Files.createTempFile("banger-e2e", ".out");
    Path err = Files.createTempFile("banger-e2e", ".err");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(argv)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      Map<String, String> env = pb.environment();
      env.put("BANGER_STATE_DIR", stateDir().toString());
      env.put("BANGER_RUNTIME_DIR", runtimeDir().toString());
      env.put("BANGER_CONFIG_DIR", configDir().toString());
      env.put("BANGER_CACHE_DIR", cacheDir.toString());
      Process p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("banger " + String.join(" ", args) + " hung");
      }
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** The pid in the daemon's lock file, or -1. */
  long daemonPid() throws IOException {
    Path lock = stateDir().resolve("bangerd.lock");
    if (!Files.exists(lock)) {
      return -1;
    }
    String text = Files.readString(lock, StandardCharsets.UTF_8).trim();
    return text.isEmpty() ? -1 : Long.parseLong(text);
  }

  @Override
  public void close() throws Exception {
    long pid = daemonPid();
    if (pid > 0 && ProcessHandle.of(pid).isPresent()) {
      run("daemon", "stop");
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
