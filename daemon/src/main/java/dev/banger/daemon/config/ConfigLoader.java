package dev.banger.daemon.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;

/**
 * Reads {@code config.toml}. A missing file means the defaults; a file that does not parse, has an
 * unknown key or a value of the wrong type or range is refused with an error that names the line,
 * the column and the key. Thread-safe (stateless).
 */
public final class ConfigLoader {
  private static final List<String> KEYS =
      List.of(
          "firecracker_bin",
          "jailer_bin",
          "qemu_bin",
          "ssh_key_path",
          "default_image_name",
          "vmm",
          "vm_cpus",
          "vm_memory_mib",
          "vm_disk",
          "network_subnet",
          "bridge_name",
          "dns",
          "log_level");

  private ConfigLoader() {}

  /** Loads {@code file}, or the defaults when it does not exist. */
  public static Config load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      return Config.defaults();
    } catch (IOException e) {
      throw new ConfigException(file, "cannot read the config file", e);
    }
    return parse(file, text);
  }

  /** Parses config text; {@code file} is only used in error messages. */
  public static Config parse(Path file, String text) throws ConfigException {
    TomlParseResult toml = Toml.parse(text);
    if (toml.hasErrors()) {
      TomlParseError error = toml.errors().getFirst();
      throw new ConfigException(
          file, error.position().line(), error.position().column(), error.getMessage());
    }
    for (String key : toml.dottedKeySet()) {
      if (!KEYS.contains(key)) {
        throw at(file, toml, key, "unknown key '" + key + "'; known keys: " + KEYS);
      }
    }
    Config d = Config.defaults();
    Reader r = new Reader(file, toml);
    return new Config(
        r.string("firecracker_bin", d.firecrackerBin()),
        Optional.ofNullable(r.string("jailer_bin", null)),
        r.string("qemu_bin", d.qemuBin()),
        Optional.ofNullable(r.string("ssh_key_path", null)).map(Path::of),
        r.string("default_image_name", d.defaultImageName()),
        r.oneOf("vmm", d.vmm(), List.of("auto", "firecracker", "qemu")),
        (int) r.integer("vm_cpus", d.vmCpus(), 1, 32),
        (int) r.integer("vm_memory_mib", d.vmMemoryMib(), 128, 1 << 20),
        r.size("vm_disk", d.vmDiskBytes()),
        r.subnet("network_subnet", d.networkSubnet()),
        r.string("bridge_name", d.bridgeName()),
        r.string("dns", d.dns()),
        r.oneOf("log_level", d.logLevel(), List.of("error", "warn", "info", "debug", "trace")));
  }

  private static ConfigException at(Path file, TomlParseResult toml, String key, String problem) {
    TomlPosition pos = toml.inputPositionOf(key);
    int line = pos == null ? 0 : pos.line();
    int column = pos == null ? 0 : pos.column();
    return new ConfigException(file, line, column, problem);
  }

  /** Typed access to keys with errors that carry the key's position. */
  private record Reader(Path file, TomlParseResult toml) {
    String string(String key, String fallback) throws ConfigException {
      if (!toml.contains(key)) {
        return fallback;
      }
      if (!toml.isString(key)) {
        throw at(file, toml, key, "key '" + key + "' must be a string");
      }
      String value = toml.getString(key);
      if (value == null || value.isBlank()) {
        throw at(file, toml, key, "key '" + key + "' must not be empty");
      }
      return value;
    }

    String oneOf(String key, String fallback, List<String> allowed) throws ConfigException {
      String value = string(key, fallback);
      if (!allowed.contains(value)) {
        throw at(
            file,
            toml,
            key,
            "key '" + key + "' must be one of " + allowed + ", not '" + value + "'");
      }
      return value;
    }

    long integer(String key, long fallback, long min, long max) throws ConfigException {
      if (!toml.contains(key)) {
        return fallback;
      }
      if (!toml.isLong(key)) {
        throw at(file, toml, key, "key '" + key + "' must be an integer");
      }
      long value = toml.getLong(key);
      if (value < min || value > max) {
        throw at(
            file,
            toml,
            key,
            "key '" + key + "' must be between " + min + " and " + max + ", not " + value);
      }
      return value;
    }

    long size(String key, long fallback) throws ConfigException {
      String value = string(key, null);
      if (value == null) {
        return fallback;
      }
      try {
        return ByteSize.parse(value);
      } catch (IllegalArgumentException e) {
        throw at(file, toml, key, "key '" + key + "': " + e.getMessage());
      }
    }

    String subnet(String key, String fallback) throws ConfigException {
      String value = string(key, fallback);
      if (!value.matches("\\d{1,3}(\\.\\d{1,3}){3}/(1[6-9]|2[0-9]|30)")) {
        throw at(
            file,
            toml,
            key,
            "key '"
                + key
                + "' must be an IPv4 subnet like 172.30.0.0/24"
                + " with a prefix from /16 to /30, not '"
                + value
                + "'");
      }
      return value;
    }
  }
}
