package dev.banger.daemon.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The SSH key banger logs into guests with: {@code ssh_key_path} from the config, or an
 * auto-managed ed25519 key at {@code ~/.config/banger/ssh/id_ed25519}, created on first use with
 * owner-only permissions by the system's {@code ssh-keygen}. Thread-safe.
 */
public final class SshKeys {
  private final Path privateKey;
  private final boolean managed;

  /** Keys for {@code configured}, or the managed key under {@code configDir}. */
  public SshKeys(Optional<Path> configured, Path configDir) {
    this.privateKey = configured.orElse(configDir.resolve("ssh/id_ed25519"));
    this.managed = configured.isEmpty();
  }

  /** The private key path (created first when it is the managed key). */
  public synchronized Path privateKey() throws IOException {
    if (!Files.exists(privateKey)) {
      if (!managed) {
        throw new IOException(
            "ssh_key_path "
                + privateKey
                + " does not exist; create it or"
                + " remove ssh_key_path from config.toml to use banger's own key");
      }
      create();
    }
    return privateKey;
  }

  /** The public key line to authorize in guests. */
  public String publicKey() throws IOException {
    Path pub = privateKey().resolveSibling(privateKey.getFileName() + ".pub");
    if (!Files.exists(pub)) {
      throw new IOException("the public key " + pub + " is missing next to " + privateKey);
    }
    return Files.readString(pub, StandardCharsets.UTF_8).trim();
  }

  private void create() throws IOException {
    Path dir = privateKey.getParent();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Process p =
        new ProcessBuilder(
                List.of(
                    "ssh-keygen",
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    "banger",
                    "-f",
                    privateKey.toString()))
            .redirectErrorStream(true)
            .start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(
            "ssh-keygen could not create "
                + privateKey
                + ": "
                + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating " + privateKey, e);
    }
    Files.setPosixFilePermissions(privateKey, PosixFilePermissions.fromString("rw-------"));
  }
}
