package dev.banger.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where banger keeps its files, computed the same way by the CLI and the daemon.
 *
 * <p>As root: state in {@code /var/lib/banger}, runtime files in {@code /run/banger}. Otherwise the
 * XDG directories: {@code $XDG_STATE_HOME/banger} (default {@code ~/.local/state/banger}) and
 * {@code $XDG_RUNTIME_DIR/banger} (default {@code /tmp/banger-UID}). Config always lives in {@code
 * $XDG_CONFIG_HOME/banger} (default {@code ~/.config/banger}). The variables {@code
 * BANGER_STATE_DIR}, {@code BANGER_RUNTIME_DIR} and {@code BANGER_CONFIG_DIR} override each, so
 * tests and several installations can run side by side. Immutable and thread-safe.
 *
 * @param stateDir the SQLite store, images, kernels and VM disks
 * @param runtimeDir the daemon socket, lock, pid file and per-VM sockets
 * @param configDir config.toml, the user catalog and the managed SSH key
 * @param cacheDir downloads and build caches that can be rebuilt (Debian packages, the debootstrap
 *     result); {@code /var/cache/banger} as root, else {@code $XDG_CACHE_HOME/banger}; {@code
 *     BANGER_CACHE_DIR} overrides it
 */
public record Locations(Path stateDir, Path runtimeDir, Path configDir, Path cacheDir) {

  /** Locations for the current user and environment. */
  public static Locations detect() {
    return fromEnvironment(System.getenv(), currentUid(), Path.of(System.getProperty("user.home")));
  }

  /** Locations for an explicit environment, uid and home; the pure form of {@link #detect}. */
  public static Locations fromEnvironment(Map<String, String> env, long uid, Path home) {
    boolean root = uid == 0;
    Path state =
        override(env, "BANGER_STATE_DIR")
            .orElse(
                root
                    ? Path.of("/var/lib/banger")
                    : xdg(env, "XDG_STATE_HOME", home.resolve(".local/state")).resolve("banger"));
    Path runtime =
        override(env, "BANGER_RUNTIME_DIR")
            .orElse(
                root
                    ? Path.of("/run/banger")
                    : xdg(env, "XDG_RUNTIME_DIR", Path.of("/tmp"))
                        .resolve(env.containsKey("XDG_RUNTIME_DIR") ? "banger" : "banger-" + uid));
    Path config =
        override(env, "BANGER_CONFIG_DIR")
            .orElse(xdg(env, "XDG_CONFIG_HOME", home.resolve(".config")).resolve("banger"));
    Path cache =
        override(env, "BANGER_CACHE_DIR")
            .orElse(
                root
                    ? Path.of("/var/cache/banger")
                    : xdg(env, "XDG_CACHE_HOME", home.resolve(".cache")).resolve("banger"));
    return new Locations(state, runtime, config, cache);
  }

  /** The daemon's API socket. */
  public Path socket() {
    return runtimeDir.resolve("bangerd.sock");
  }

  /** The lock file that keeps a second daemon off the same state directory. */
  public Path lockFile() {
    return stateDir.resolve("bangerd.lock");
  }

  /** The daemon's log file. */
  public Path logFile() {
    return stateDir.resolve("bangerd.log");
  }

  /** The daemon's config file. */
  public Path configFile() {
    return configDir.resolve("config.toml");
  }

  /** The uid of this process, read from {@code /proc/self}; -1 when it cannot be read. */
  public static long currentUid() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    } catch (IOException | UnsupportedOperationException e) {
      return -1;
    }
  }

  private static java.util.Optional<Path> override(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null || value.isBlank()
        ? java.util.Optional.empty()
        : java.util.Optional.of(Path.of(value));
  }

  private static Path xdg(Map<String, String> env, String name, Path fallback) {
    return override(env, name).orElse(fallback);
  }
}
