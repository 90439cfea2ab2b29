package dev.banger.daemon.image;

import dev.banger.api.ErrorCode;
import dev.banger.api.ImageView;
import dev.banger.api.KernelView;
import dev.banger.api.OperationView;
import dev.banger.api.RegisterImageRequest;
import dev.banger.api.RegisterKernelRequest;
import dev.banger.archive.FileTrees;
import dev.banger.bundle.BundleKind;
import dev.banger.bundle.BundleManifest;
import dev.banger.bundle.BundleMetadata;
import dev.banger.bundle.BundleWriter;
import dev.banger.daemon.catalog.BundleFetcher;
import dev.banger.daemon.catalog.CatalogEntry;
import dev.banger.daemon.catalog.Catalogs;
import dev.banger.daemon.http.ApiException;
import dev.banger.daemon.kernel.KernelService;
import dev.banger.daemon.op.OperationContext;
import dev.banger.daemon.op.OperationManager;
import dev.banger.daemon.store.Store;
import dev.banger.kernel.BootFileValidator;
import dev.banger.kernel.InvalidBootFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images: pulled from the image catalog (a published bundle, or built from the golden recipe),
 * registered where they lie, or promoted into managed storage ({@code images/NAME} under the state
 * directory). Pulling an image also pulls the kernel it boots with. A failed pull leaves no half
 * image registered: files are built in a staging directory that becomes the image only after the
 * row is written. Thread-safe.
 */
public final class ImageService {
  private static final Logger LOG = LoggerFactory.getLogger(ImageService.class);
  private static final String ROOTFS = "rootfs.ext4";
  private static final String WORK_SEED = "work-seed.ext4";

  private final ImageRepository images;
  private final KernelService kernels;
  private final OperationManager operations;
  private final Catalogs catalogs;
  private final Path imagesDir;
  private final Path cacheDir;
  private final Path agentBinary;
  private volatile Runnable afterRemove = () -> {};

  /**
   * A service storing images under {@code stateDir}, caching recipe downloads in {@code cacheDir}
   * and installing {@code agentBinary} into the images it builds.
   */
  public ImageService(
      Store store,
      KernelService kernels,
      OperationManager operations,
      Catalogs catalogs,
      Path stateDir,
      Path cacheDir,
      Path agentBinary) {
    this.images = new ImageRepository(store);
    this.kernels = kernels;
    this.operations = operations;
    this.catalogs = catalogs;
    this.imagesDir = stateDir.resolve("images");
    this.cacheDir = cacheDir;
    this.agentBinary = agentBinary;
  }

  /** Every image. */
  public List<ImageView> list() {
    return images.list();
  }

  /** The image named {@code name}, or a NOT_FOUND error that lists the catalog. */
  public ImageView show(String name) {
    return images.find(name).orElseThrow(() -> notFound(name));
  }

  /** The image named {@code name}, pulling it from the catalog first when it is missing. */
  public ImageView ensure(String name) throws InterruptedException {
    Optional<ImageView> present = images.find(name);
    if (present.isPresent()) {
      return present.get();
    }
    // pull() refuses a name the catalog lacks, with the same error that lists the catalog.
    operations.awaitSuccess(pull(name), "pulling image '" + name + "'");
    return show(name);
  }

  /** Starts (or joins) the pull of catalog image {@code name} and its kernel. */
  public OperationView pull(String name) {
    CatalogEntry entry = catalogs.image(name).orElseThrow(() -> notFound(name));
    return operations.startUnless(
        "image-pull",
        name,
        () -> images.find(name).isPresent(),
        "image " + name + " is already present",
        ctx -> build(entry, ctx));
  }

  private String build(CatalogEntry entry, OperationContext ctx) throws Exception {
    var staged =
        new BundleFetcher(cacheDir.resolve("bundles"))
            .fetchOrFallBack(entry, imagesDir, entry.goldenRecipe().isPresent(), ctx);
    if (staged.isPresent()) {
      return registerBundle(entry, staged.get().manifest(), staged.get().directory(), ctx);
    }
    String kernelName =
        entry
            .kernel()
            .orElseThrow(
                () ->
                    new ApiException(
                        ErrorCode.INTERNAL,
                        "catalog image '" + entry.name() + "' names no kernel"));
    ctx.phase("kernel " + kernelName);
    KernelView kernel = kernels.ensure(kernelName);
    if (entry.goldenRecipe().isEmpty()) {
      throw new ApiException(
          ErrorCode.HOST_UNSUPPORTED,
          "image '" + entry.name() + "' has no recipe and no reachable bundle");
    }
    Files.createDirectories(imagesDir);
    Path staging = imagesDir.resolve("." + entry.name() + ".pulling-" + UUID.randomUUID());
    ctx.partial(staging);
    ctx.phase("building from the golden recipe");
    Optional<Path> modules =
        kernel.modules().isEmpty() ? Optional.empty() : Optional.of(Path.of(kernel.modules()));
    GoldenRecipe.Result built =
        GoldenRecipe.build(
            staging,
            agentBinary,
            modules,
            kernel.release(),
            kernelName,
            cacheDir.resolve("golden"),
            ctx);
    ctx.phase("registering");
    Path dir = imagesDir.resolve(entry.name());
    Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    ctx.partial(dir);
    Path rootfs = dir.resolve(built.rootfs().getFileName());
    String seed = built.workSeed().map(p -> dir.resolve(p.getFileName()).toString()).orElse("");
    images.insert(
        new ImageView(
            entry.name(),
            true,
            rootfs.toString(),
            seed,
            kernelName,
            built.version(),
            "x86_64",
            "recipe: golden " + entry.goldenRecipe().get(),
            sizeOf(dir),
            Instant.now().toString(),
            List.of()),
        dir.toString());
    LOG.info("image {} {} registered with kernel {}", entry.name(), built.version(), kernelName);
    return "image "
        + entry.name()
        + " "
        + built.version()
        + " is ready (kernel "
        + kernelName
        + ")";
  }

  private String registerBundle(
      CatalogEntry entry, BundleManifest manifest, Path staging, OperationContext ctx)
      throws Exception {
    if (manifest.metadata().kind() != BundleKind.IMAGE
        || !manifest.metadata().name().equals(entry.name())) {
      throw new IOException(
          "the bundle of image '"
              + entry.name()
              + "' holds "
              + manifest.metadata().kind().jsonName()
              + " '"
              + manifest.metadata().name()
              + "'");
    }
    String kernelName = manifest.metadata().kernel().orElseThrow();
    ctx.phase("kernel " + kernelName);
    kernels.ensure(kernelName);
    Files.deleteIfExists(staging.resolve(BundleManifest.ENTRY_NAME));
    Path dir = imagesDir.resolve(entry.name());
    Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    ctx.partial(dir);
    Path seed = dir.resolve(WORK_SEED);
    images.insert(
        new ImageView(
            entry.name(),
            true,
            dir.resolve(ROOTFS).toString(),
            Files.exists(seed) ? seed.toString() : "",
            kernelName,
            manifest.metadata().version(),
            manifest.metadata().arch(),
            "bundle: " + entry.bundle().orElseThrow().url(),
            sizeOf(dir),
            Instant.now().toString(),
            List.of()),
        dir.toString());
    return "image "
        + entry.name()
        + " "
        + manifest.metadata().version()
        + " is ready (kernel "
        + kernelName
        + ", from its bundle)";
  }

  /**
   * Writes image {@code name} as a bundle at {@code target}: manifest first, then {@code
   * rootfs.ext4} (and {@code work-seed.ext4}), checksummed.
   */
  public OperationView export(String name, Path target) {
    ImageView image = show(name);
    if (!target.isAbsolute()) {
      throw ApiException.badRequest("the export path '" + target + "' must be absolute");
    }
    if (Files.exists(target)) {
      throw ApiException.conflict("refusing to overwrite " + target + "; remove it first");
    }
    return operations.start(
        "image-export",
        name,
        ctx -> {
          Path source =
              target.resolveSibling("." + target.getFileName() + ".files-" + UUID.randomUUID());
          ctx.partial(source);
          ctx.partial(target);
          try {
            Files.createDirectories(source);
            link(Path.of(image.rootfs()), source.resolve(ROOTFS));
            if (!image.workSeed().isEmpty()) {
              link(Path.of(image.workSeed()), source.resolve(WORK_SEED));
            }
            ctx.phase("writing " + target);
            String version = image.version().isEmpty() ? "unversioned" : image.version();
            new BundleWriter()
                .write(
                    source,
                    new BundleMetadata(
                        name, BundleKind.IMAGE, version, image.arch(), Optional.of(image.kernel())),
                    target,
                    ctx::bytes,
                    ctx.cancellation());
          } finally {
            FileTrees.deleteTree(source);
          }
          return "exported image " + name + " to " + target;
        });
  }

  private static void link(Path from, Path to) throws IOException {
    try {
      Files.createLink(to, from);
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(from, to);
    }
  }

  /** Registers an image stack whose files stay where they are. */
  public ImageView register(RegisterImageRequest req) {
    KernelService.requireName(req.name());
    if (images.find(req.name()).isPresent()) {
      throw ApiException.conflict("an image named '" + req.name() + "' already exists");
    }
    if (req.rootfs() == null || req.rootfs().isBlank()) {
      throw ApiException.badRequest("image register needs the root filesystem (--rootfs PATH)");
    }
    Path rootfs = Path.of(req.rootfs()).toAbsolutePath();
    Optional<Path> seed = optional(req.workSeed());
    try {
      BootFileValidator v = new BootFileValidator();
      v.checkExt4(rootfs, "root filesystem");
      if (seed.isPresent()) {
        v.checkExt4(seed.get(), "work seed");
      }
    } catch (InvalidBootFileException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    // Registered only once the image's own files passed: a refused image leaves no kernel.
    String kernelName = registerKernelFor(req);
    images.insert(
        new ImageView(
            req.name(),
            false,
            rootfs.toString(),
            seed.map(Path::toString).orElse(""),
            kernelName,
            "",
            "x86_64",
            "registered",
            size(rootfs) + seed.map(ImageService::size).orElse(0L),
            Instant.now().toString(),
            List.of()),
        "");
    return show(req.name());
  }

  private String registerKernelFor(RegisterImageRequest req) {
    boolean hasName = req.kernelName() != null && !req.kernelName().isBlank();
    boolean hasFile = req.kernel() != null && !req.kernel().isBlank();
    if (hasName == hasFile) {
      throw ApiException.badRequest(
          "image register needs exactly one of --kernel NAME (a"
              + " registered kernel) or --kernel-file PATH");
    }
    if (hasName) {
      kernels.show(req.kernelName());
      return req.kernelName();
    }
    kernels.register(
        new RegisterKernelRequest(req.name(), req.kernel(), req.initrd(), req.modules()));
    return req.name();
  }

  /** Copies an unmanaged image's files into managed storage, atomically. */
  public ImageView promote(String name) throws IOException {
    ImageView image = show(name);
    if (image.managed()) {
      throw ApiException.conflict("image '" + name + "' is already managed");
    }
    Files.createDirectories(imagesDir);
    Path staging = imagesDir.resolve("." + name + ".promoting-" + UUID.randomUUID());
    Path dir = imagesDir.resolve(name);
    try {
      Files.createDirectory(staging);
      Files.copy(Path.of(image.rootfs()), staging.resolve("rootfs.ext4"));
      if (!image.workSeed().isEmpty()) {
        Files.copy(Path.of(image.workSeed()), staging.resolve("work-seed.ext4"));
      }
      Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      FileTrees.deleteTree(staging);
      throw new IOException(
          "promoting image '" + name + "' into " + dir + " failed: " + e.getMessage(), e);
    }
    images.promote(
        name,
        dir.toString(),
        dir.resolve("rootfs.ext4").toString(),
        image.workSeed().isEmpty() ? "" : dir.resolve("work-seed.ext4").toString());
    return show(name);
  }

  /** Removes an image; refuses while a VM uses it unless {@code force}. */
  public void remove(String name, boolean force) throws IOException {
    ImageView image = show(name);
    if (!image.usedBy().isEmpty() && !force) {
      throw ApiException.conflict(
          "image '"
              + name
              + "' is used by VMs "
              + image.usedBy()
              + "; remove them first or use --force");
    }
    String dir = images.dir(name);
    images.delete(name);
    if (image.managed() && !dir.isEmpty()) {
      FileTrees.deleteTree(Path.of(dir));
    }
    afterRemove.run();
  }

  /**
   * Runs {@code step} after each image removal: the VM service drops the prepared bases that no
   * image and no VM needs any more.
   */
  public void afterRemove(Runnable step) {
    this.afterRemove = step;
  }

  private ApiException notFound(String name) {
    return ApiException.notFound(
        "no image named '"
            + name
            + "' and none in the catalog;"
            + " catalog images: "
            + catalogs.imageNames());
  }

  private static Optional<Path> optional(String p) {
    return p == null || p.isBlank() ? Optional.empty() : Optional.of(Path.of(p).toAbsolutePath());
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(ImageService::size).sum();
    }
  }
}
