package dev.banger.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A kernel build configuration ({@code /boot/config-<release>}): {@code CONFIG_X=y|m|value} lines,
 * with {@code # CONFIG_X is not set} for disabled options. Immutable and thread-safe.
 */
public final class KernelConfig {

  private final Map<String, String> options;

  private KernelConfig(Map<String, String> options) {
    this.options = options;
  }

  /** Reads the configuration file at {@code path}. */
  public static KernelConfig read(Path path) throws KernelException {
    try {
      return parse(Files.readString(path, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new KernelException(
          "Cannot read kernel configuration '" + path + "': " + e.getMessage(), e);
    }
  }

  /** Parses configuration text; lines that are not options are ignored. */
  public static KernelConfig parse(String text) {
    Map<String, String> options = new HashMap<>();
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      int equals = trimmed.indexOf('=');
      if (trimmed.startsWith("CONFIG_") && equals > 0) {
        options.put(trimmed.substring(0, equals), trimmed.substring(equals + 1));
      }
    }
    return new KernelConfig(options);
  }

  /** How option {@code name} ("CONFIG_VIRTIO_BLK") is configured. */
  public FeatureSupport support(String name) {
    return switch (options.getOrDefault(name, "n")) {
      case "y" -> FeatureSupport.BUILT_IN;
      case "m" -> FeatureSupport.MODULE;
      default -> FeatureSupport.ABSENT;
    };
  }

  /** The raw value of option {@code name}, or the empty string if it is not set. */
  public String value(String name) {
    return options.getOrDefault(name, "");
  }
}
