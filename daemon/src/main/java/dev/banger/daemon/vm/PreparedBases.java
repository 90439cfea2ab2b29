package dev.banger.daemon.vm;

import dev.banger.api.ImageView;
import dev.banger.disk.CowStrategy;
import dev.banger.disk.DiskException;
import dev.banger.disk.RootDiskFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each image's root filesystem set up once for the VMs made from it: a copy of the image (a reflink
 * clone where the filesystem allows) with root's SSH key and, where the image lacks one, the guest
 * agent ({@link GuestSetup}). A VM's root disk is then made from its base (a qcow2 overlay of it
 * under QEMU, a copy-on-write disk of it otherwise), so a create neither copies the image nor runs
 * {@code debugfs} once the base exists.
 *
 * <p>A base is named by its image and a digest of everything that went into it: the image file's
 * path, size and modification time, the SSH public key and the agent binary. A change to any of
 * them makes a new base; {@link #collect} removes the ones that no image and no VM needs any more.
 * A base is read-only once made: overlays name it as their backing file.
 *
 * <p>Thread-safe: one base is prepared at a time per digest; different images in parallel.
 */
final class PreparedBases {
  private static final Logger LOG = LoggerFactory.getLogger(PreparedBases.class);
  private static final String IMAGE = ".img";
  private static final String SETUP = ".setup";

  private final Path dir;
  private final RootDiskFactory copier;
  private final GuestSetup guestSetup;
  private final Path agentBinary;
  private final SshKeys sshKeys;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /**
   * Bases kept in {@code dir}, copied by {@code copier}, set up by {@code guestSetup} with the
   * public key of {@code sshKeys}; {@code agentBinary} is part of each base's digest.
   */
  PreparedBases(
      Path dir, RootDiskFactory copier, GuestSetup guestSetup, Path agentBinary, SshKeys sshKeys) {
    this.dir = dir;
    this.copier = copier;
    this.guestSetup = guestSetup;
    this.agentBinary = agentBinary;
    this.sshKeys = sshKeys;
  }

  /**
   * A prepared base of an image.
   *
   * @param path the raw ext4 file, read-only from now on
   * @param setup what {@link GuestSetup} did to it
   */
  record Base(Path path, GuestSetup.Outcome setup) {}

  /** The base of {@code image}, prepared now if it does not exist yet. */
  Base prepare(ImageView image) throws DiskException, IOException {
    Shared shared = shared();
    Path base = pathOf(image, shared);
    synchronized (locks.computeIfAbsent(base.toString(), k -> new Object())) {
      Path setupFile = setupFileOf(base);
      if (Files.isRegularFile(base) && Files.isRegularFile(setupFile)) {
        return new Base(base, readSetup(setupFile));
      }
      Files.createDirectories(dir);
      Path staging = dir.resolve("." + base.getFileName() + ".partial");
      try {
        Files.deleteIfExists(staging);
        CowStrategy copied = copier.cloneOrCopy(Path.of(image.rootfs()), staging);
        GuestSetup.Outcome setup = guestSetup.prepare(staging, shared.publicKey());
        // The setup file first: a base is only used once both exist, so a crash in between
        // leaves a base that is made again, never one without its setup.
        Files.writeString(setupFile, writeSetup(setup), StandardCharsets.UTF_8);
        Files.move(staging, base, StandardCopyOption.ATOMIC_MOVE);
        LOG.info(
            "prepared base {} of image {} by {}{}",
            base.getFileName(),
            image.name(),
            copied.description(),
            setup.agentInstalled() ? ", with the guest agent installed" : "");
        return new Base(base, setup);
      } catch (IOException | RuntimeException e) {
        deleteAfterFailure(e, staging, setupFile);
        throw e;
      }
    }
  }

  /**
   * Removes the bases that are neither the current base of one of {@code images} nor in {@code
   * inUse} (the bases VM disks are backed by). {@code atStart} also removes partial bases, which
   * only a daemon that died while preparing one leaves behind.
   */
  void collect(List<ImageView> images, Set<Path> inUse, boolean atStart) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    Set<Path> keep = new HashSet<>(inUse);
    try {
      Shared shared = shared();
      for (ImageView image : images) {
        try {
          keep.add(pathOf(image, shared));
        } catch (IOException e) {
          // An image whose file is gone has no current base: its old ones may go.
          LOG.debug("image {} has no current base: {}", image.name(), e.getMessage());
        }
      }
    } catch (IOException e) {
      // Without the key or the agent no base is current: only those VMs read may stay.
      LOG.debug("no base is current: {}", e.getMessage());
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.startsWith(".")) {
          if (atStart) {
            Files.deleteIfExists(file);
          }
          continue;
        }
        Path base =
            name.endsWith(SETUP)
                ? file.resolveSibling(name.substring(0, name.length() - SETUP.length()) + IMAGE)
                : file;
        if (!keep.contains(base)) {
          synchronized (locks.computeIfAbsent(base.toString(), k -> new Object())) {
            Files.deleteIfExists(file);
          }
          LOG.info("removed base file {}: no image or VM needs it", file.getFileName());
        }
      }
    } catch (IOException e) {
      LOG.warn("could not clean up the prepared bases in {}", dir, e);
    }
  }

  /** What every base's digest shares, read once per prepare or collect. */
  private record Shared(String publicKey, byte[] agentDigest) {}

  private Shared shared() throws IOException {
    return new Shared(sshKeys.publicKey(), agentDigest());
  }

  private Path pathOf(ImageView image, Shared shared) throws IOException {
    Path rootfs = Path.of(image.rootfs());
    MessageDigest digest = sha256();
    for (String part :
        List.of(
            rootfs.toAbsolutePath().toString(),
            Long.toString(Files.size(rootfs)),
            Long.toString(Files.getLastModifiedTime(rootfs).toMillis()),
            shared.publicKey().strip())) {
      digest.update(part.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
    }
    digest.update(shared.agentDigest());
    String key = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    return dir.resolve(image.name() + "-" + key + IMAGE);
  }

  private byte[] agentDigest() throws IOException {
    if (!Files.isRegularFile(agentBinary)) {
      return new byte[0];
    }
    return sha256().digest(Files.readAllBytes(agentBinary));
  }

  private static Path setupFileOf(Path base) {
    String name = base.getFileName().toString();
    return base.resolveSibling(name.substring(0, name.length() - IMAGE.length()) + SETUP);
  }

  private static String writeSetup(GuestSetup.Outcome setup) {
    return "agent_installed=" + setup.agentInstalled() + "\ninit=" + setup.init().orElse("") + "\n";
  }

  private static GuestSetup.Outcome readSetup(Path file) throws IOException {
    boolean installed = false;
    String init = "";
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith("agent_installed=")) {
        installed = Boolean.parseBoolean(line.substring("agent_installed=".length()));
      } else if (line.startsWith("init=")) {
        init = line.substring("init=".length());
      }
    }
    return new GuestSetup.Outcome(installed, init.isEmpty() ? Optional.empty() : Optional.of(init));
  }

  private static void deleteAfterFailure(Exception failure, Path... files) {
    for (Path file : files) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
