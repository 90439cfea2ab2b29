package dev.banger.daemon.config;

import java.nio.file.Path;

/** A config file that cannot be used; the message names the file, line, column and key. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates an error about {@code file} at a position. */
  public ConfigException(Path file, int line, int column, String problem) {
    super(file + ":" + line + ":" + column + ": " + problem);
  }

  /** Creates an error about {@code file} as a whole. */
  public ConfigException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
