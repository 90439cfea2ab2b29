package dev.banger.kernel;

import dev.banger.archive.FileTrees;
import dev.banger.download.Cancellation;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares a bootable kernel directory from a Debian kernel package: fetches the package and
 * busybox-static with apt, extracts the ELF vmlinux from the bzImage, keeps the modules (with a
 * modules.dep), builds banger's initramfs and records the kernel's {@link KernelFacts}. The result
 * has the {@link KernelLayout} layout.
 *
 * <p>The directory appears complete or not at all: everything is built in a sibling staging
 * directory that is moved into place at the end, and removed on failure or cancellation. Downloaded
 * .deb files are kept in the package cache and reused when their SHA-256 still matches apt's
 * package lists.
 *
 * <p>Thread-safe: builds share no state, but two builds must not target the same directory.
 */
public final class DebianKernelBuilder {

  /** The Debian package the initramfs takes its busybox from. */
  public static final String BUSYBOX_PACKAGE = "busybox-static";

  private static final Logger LOG = LoggerFactory.getLogger(DebianKernelBuilder.class);

  private final DebianPackages packages;
  private final Path packageCache;
  private final InitramfsBuilder initramfs = new InitramfsBuilder();

  /**
   * Creates a builder that keeps downloaded packages in {@code packageCache}.
   *
   * @param packages the apt front end
   * @param packageCache a directory for .deb files, created when missing
   */
  public DebianKernelBuilder(DebianPackages packages, Path packageCache) {
    this.packages = packages;
    this.packageCache = packageCache;
  }

  /**
   * Fetches {@code packageName} (a metapackage such as {@code linux-image-cloud-amd64} resolves to
   * the newest kernel it depends on) and prepares it in {@code kernelDir}, which must be absent or
   * empty.
   *
   * @return the facts, also written to {@link KernelLayout#facts()}
   * @throws KernelException if a step fails; the message names the step's package or file
   * @throws CancellationException if {@code cancellation} fires; nothing is left behind
   */
  public KernelFacts build(
      String packageName, Path kernelDir, KernelBuildListener listener, Cancellation cancellation)
      throws KernelException {
    checkTarget(kernelDir);
    Path staging =
        kernelDir.resolveSibling(kernelDir.getFileName() + ".building-" + UUID.randomUUID());
    try {
      KernelFacts facts = buildIn(packageName, staging, listener, cancellation);
      moveIntoPlace(staging, kernelDir);
      listener.stage(KernelBuildStage.DONE);
      LOG.info(
          "Kernel {} from {} {} is ready in '{}'",
          facts.release(),
          facts.packageName(),
          facts.packageVersion(),
          kernelDir);
      return facts;
    } finally {
      removeStaging(staging);
    }
  }

  private KernelFacts buildIn(
      String packageName, Path staging, KernelBuildListener listener, Cancellation cancellation)
      throws KernelException {
    listener.stage(KernelBuildStage.RESOLVING);
    AptPackage kernelPackage = packages.resolveKernel(packageName, cancellation);
    AptPackage busyboxPackage = packages.show(BUSYBOX_PACKAGE, cancellation);

    listener.stage(KernelBuildStage.DOWNLOADING);
    long total = kernelPackage.size() + busyboxPackage.size();
    Path kernelDeb =
        packages.download(
            kernelPackage,
            packageCache,
            (done, size) -> listener.downloadProgress(done, total),
            cancellation);
    Path busyboxDeb =
        packages.download(
            busyboxPackage,
            packageCache,
            (done, size) -> listener.downloadProgress(kernelPackage.size() + done, total),
            cancellation);

    listener.stage(KernelBuildStage.UNPACKING);
    Path unpacked = staging.resolve("unpacked");
    packages.unpack(kernelDeb, unpacked.resolve("kernel"), cancellation);
    packages.unpack(busyboxDeb, unpacked.resolve("busybox"), cancellation);
    UnpackedKernel contents = UnpackedKernel.locate(unpacked.resolve("kernel"), kernelPackage);
    Path busybox = locateBusybox(unpacked.resolve("busybox"));

    listener.stage(KernelBuildStage.EXTRACTING_VMLINUX);
    KernelLayout layout = new KernelLayout(staging);
    BzImage bzImage = BzImage.read(contents.bzImage());
    checkRelease(bzImage, contents);
    VmlinuxInfo vmlinux = bzImage.extractVmlinux(layout.vmlinux(), cancellation);
    copy(contents.bzImage(), layout.bzImage());
    copy(contents.config(), layout.config());

    listener.stage(KernelBuildStage.PREPARING_MODULES);
    move(contents.modules(), layout.modules());
    if (!Files.isRegularFile(layout.modules().resolve(ModuleTree.MODULES_DEP))) {
      int count = ModuleTree.writeModulesDep(layout.modules());
      LOG.debug("Wrote modules.dep for {} modules of {}", count, contents.release());
    }
    ModuleTree modules = ModuleTree.open(layout.modules());

    listener.stage(KernelBuildStage.BUILDING_INITRAMFS);
    cancellation.throwIfCancelled("Building kernel " + kernelPackage.name());
    List<ModuleFile> loadOrder =
        initramfs.build(
            busybox,
            modules,
            contents.release(),
            InitramfsBuilder.DEFAULT_MODULES,
            layout.initrd());
    deleteTree(unpacked);

    KernelFacts facts =
        facts(kernelPackage, bzImage, vmlinux, KernelConfig.read(layout.config()), loadOrder);
    facts.write(layout.facts());
    return facts;
  }

  private static KernelFacts facts(
      AptPackage pkg,
      BzImage bzImage,
      VmlinuxInfo vmlinux,
      KernelConfig config,
      List<ModuleFile> loadOrder) {
    List<String> names = new ArrayList<>();
    for (ModuleFile module : loadOrder) {
      names.add(module.name());
    }
    return new KernelFacts(
        bzImage.release(),
        bzImage.versionString(),
        pkg.name(),
        pkg.version(),
        "x86_64",
        bzImage.payloadCompression().name(),
        vmlinux.pvhNote(),
        config.support("CONFIG_VIRTIO"),
        config.support("CONFIG_VIRTIO_MMIO"),
        config.support("CONFIG_VIRTIO_BLK"),
        config.support("CONFIG_VIRTIO_NET"),
        config.support("CONFIG_VSOCKETS"),
        config.support("CONFIG_EXT4_FS"),
        names);
  }

  private static void checkTarget(Path kernelDir) throws KernelException {
    if (!Files.exists(kernelDir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(kernelDir)) {
      if (children.iterator().hasNext()) {
        throw new KernelException(
            "Cannot prepare a kernel in '" + kernelDir + "': the directory is not empty");
      }
    } catch (IOException e) {
      throw new KernelException(
          "Cannot prepare a kernel in '" + kernelDir + "': " + e.getMessage(), e);
    }
  }

  private static void checkRelease(BzImage bzImage, UnpackedKernel contents)
      throws KernelException {
    if (!bzImage.release().equals(contents.release())) {
      throw new KernelException(
          "bzImage '"
              + contents.bzImage()
              + "' says release '"
              + bzImage.release()
              + "' but its modules are for '"
              + contents.release()
              + "'");
    }
  }

  private static Path locateBusybox(Path root) throws KernelException {
    for (String candidate : List.of("bin/busybox", "usr/bin/busybox")) {
      Path busybox = root.resolve(candidate);
      if (Files.isRegularFile(busybox, LinkOption.NOFOLLOW_LINKS)) {
        return busybox;
      }
    }
    throw new KernelException(
        "Package " + BUSYBOX_PACKAGE + " unpacked in '" + root + "' has no bin/busybox");
  }

  private static void copy(Path from, Path to) throws KernelException {
    try {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new KernelException("Cannot copy '" + from + "' to '" + to + "': " + e.getMessage(), e);
    }
  }

  private static void move(Path from, Path to) throws KernelException {
    try {
      Files.move(from, to);
    } catch (IOException e) {
      throw new KernelException("Cannot move '" + from + "' to '" + to + "': " + e.getMessage(), e);
    }
  }

  private static void moveIntoPlace(Path staging, Path kernelDir) throws KernelException {
    try {
      Files.deleteIfExists(kernelDir);
      Files.move(staging, kernelDir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new KernelException(
          "Cannot move the prepared kernel '"
              + staging
              + "' to '"
              + kernelDir
              + "': "
              + e.getMessage(),
          e);
    }
  }

  private static void deleteTree(Path tree) throws KernelException {
    try {
      FileTrees.deleteTree(tree);
    } catch (IOException e) {
      throw new KernelException("Cannot remove '" + tree + "': " + e.getMessage(), e);
    }
  }

  private static void removeStaging(Path staging) {
    try {
      FileTrees.deleteTree(staging);
    } catch (IOException e) {
      LOG.warn("Could not remove the kernel staging directory '{}'", staging, e);
    }
  }
}
