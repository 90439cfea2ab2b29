package dev.banger.daemon;

import dev.banger.api.Locations;
import dev.banger.daemon.config.Config;
import dev.banger.daemon.config.ConfigException;
import dev.banger.daemon.config.ConfigLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code bangerd} program: reads the config, takes the state lock, and runs a {@link Daemon}
 * until SIGTERM or an API shutdown request. Config and lock errors are printed to stderr (the CLI
 * shows them) before logging starts; everything after goes to the log file.
 */
public final class Bangerd {
  private Bangerd() {}

  /** Entry point. */
  public static void main(String[] args) {
    Locations locations = Locations.detect();
    PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    Config config;
    try {
      config = ConfigLoader.load(locations.configFile());
    } catch (ConfigException e) {
      err.println("bangerd: invalid config: " + e.getMessage());
      System.exit(1);
      return;
    }
    try {
      prepareDirectories(locations);
    } catch (IOException e) {
      err.println(
          "bangerd: cannot create "
              + locations.stateDir()
              + " or "
              + locations.runtimeDir()
              + ": "
              + e.getMessage());
      System.exit(1);
      return;
    }
    System.setProperty("banger.log.file", locations.logFile().toString());
    System.setProperty("banger.log.level", config.logLevel().toUpperCase(java.util.Locale.ROOT));

    StateLock lock;
    try {
      lock = StateLock.acquire(locations.lockFile());
    } catch (StateLock.HeldException e) {
      err.println("bangerd: " + e.getMessage());
      System.exit(1);
      return;
    } catch (IOException e) {
      err.println("bangerd: cannot lock " + locations.lockFile() + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    try {
      Daemon daemon = Daemon.start(locations, config, lock);
      Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "shutdown"));
      if (args.length > 0 && "--aot-train".equals(args[0])) {
        daemon.trainAndExit();
      }
      daemon.awaitShutdown();
    } catch (Exception e) {
      err.println(
          "bangerd: failed to start: " + e.getMessage() + " (see " + locations.logFile() + ")");
      org.slf4j.LoggerFactory.getLogger(Bangerd.class).error("start failed", e);
      lock.close();
      System.exit(1);
    }
    System.exit(0);
  }

  private static void prepareDirectories(Locations locations) throws IOException {
    Files.createDirectories(locations.stateDir());
    Path runtime = locations.runtimeDir();
    Files.createDirectories(runtime);
    Files.setPosixFilePermissions(
        runtime, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
  }
}
