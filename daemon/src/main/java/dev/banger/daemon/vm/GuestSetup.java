package dev.banger.daemon.vm;

import dev.banger.disk.DiskException;
import dev.banger.disk.Ext4Change;
import dev.banger.disk.Ext4Entry;
import dev.banger.disk.Ext4Files;
import dev.banger.disk.GuestFileAttributes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Prepares a new VM's root disk before its first boot: root's {@code authorized_keys} gets the
 * user's SSH key, and an image that has no banger guest agent gets one, so that every VM answers
 * the host whatever its image came from.
 *
 * <p>In an image with systemd the agent is installed with the golden image's own unit, enabled for
 * {@code multi-user.target}. An image without systemd boots the agent as PID 1 instead (its init
 * mode), which {@link Outcome#init()} asks for. Everything is written in one {@code debugfs} pass
 * (see {@link Ext4Files}); the image itself is never touched, only the VM's copy of it.
 *
 * <p>Thread-safe; concurrent calls must be for different disks.
 */
final class GuestSetup {
  /** Where the golden image has the agent, and where banger installs it in other images. */
  static final String AGENT_PATH = "/usr/local/bin/banger-vsock-agent";

  private static final String UNIT_DIR = "/etc/systemd/system";
  private static final String UNIT_NAME = "banger-vsock-agent.service";
  private static final String WANTS_DIR = UNIT_DIR + "/multi-user.target.wants";
  // The golden recipe is packaged in the daemon's jar; its unit is the one every image gets.
  private static final String UNIT_RESOURCE =
      "dev/banger/recipes/golden/overlay/etc/systemd/system/" + UNIT_NAME;
  private static final List<String> SYSTEMD =
      List.of("/usr/lib/systemd/systemd", "/lib/systemd/systemd");

  private final Ext4Files ext4;
  private final Path agentBinary;

  /**
   * Setup that installs {@code agentBinary} (the static {@code banger-vsock-agent}) where an image
   * lacks it.
   */
  GuestSetup(Ext4Files ext4, Path agentBinary) {
    this.ext4 = ext4;
    this.agentBinary = agentBinary;
  }

  /**
   * What setup did to a root disk.
   *
   * @param agentInstalled whether the image had no agent and banger installed one
   * @param init the {@code init=} program the VM must boot, empty for the image's own init
   */
  record Outcome(boolean agentInstalled, Optional<String> init) {}

  /**
   * Authorizes {@code publicKey} in {@code rootDisk} and installs the agent where it is missing.
   */
  Outcome prepare(Path rootDisk, String publicKey) throws DiskException, IOException {
    List<String> looked = new ArrayList<>(SYSTEMD);
    looked.add(AGENT_PATH);
    Map<String, Ext4Entry> found = ext4.statAll(rootDisk, looked);
    List<Ext4Change> changes = new ArrayList<>(ext4.sshKeyChanges(rootDisk, publicKey));
    if (found.containsKey(AGENT_PATH)) {
      ext4.apply(rootDisk, changes);
      return new Outcome(false, Optional.empty());
    }

    changes.add(new Ext4Change.Directory("/usr/local/bin", GuestFileAttributes.root(0755)));
    changes.add(new Ext4Change.File(AGENT_PATH, agent(), GuestFileAttributes.root(0755)));
    boolean systemd = SYSTEMD.stream().anyMatch(found::containsKey);
    if (systemd) {
      String unit = UNIT_DIR + "/" + UNIT_NAME;
      changes.add(new Ext4Change.Directory(WANTS_DIR, GuestFileAttributes.root(0755)));
      changes.add(new Ext4Change.File(unit, unitFile(), GuestFileAttributes.root(0644)));
      changes.add(new Ext4Change.Symlink(WANTS_DIR + "/" + UNIT_NAME, unit));
    }
    ext4.apply(rootDisk, changes);
    return new Outcome(true, systemd ? Optional.empty() : Optional.of(AGENT_PATH));
  }

  private byte[] agent() throws IOException {
    if (!Files.isRegularFile(agentBinary)) {
      throw new IOException(
          "the guest agent "
              + agentBinary
              + " is missing, and the image has none: reinstall banger (make build)");
    }
    return Files.readAllBytes(agentBinary);
  }

  private static byte[] unitFile() throws IOException {
    try (InputStream in = GuestSetup.class.getClassLoader().getResourceAsStream(UNIT_RESOURCE)) {
      if (in == null) {
        throw new IOException("the daemon's jar has no " + UNIT_RESOURCE);
      }
      return in.readAllBytes();
    }
  }
}
