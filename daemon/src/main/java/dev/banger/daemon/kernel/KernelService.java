package dev.banger.daemon.kernel;

import dev.banger.api.ErrorCode;
import dev.banger.api.KernelView;
import dev.banger.api.OperationView;
import dev.banger.api.RegisterKernelRequest;
import dev.banger.archive.FileTrees;
import dev.banger.bundle.BundleKind;
import dev.banger.bundle.BundleManifest;
import dev.banger.daemon.catalog.BundleFetcher;
import dev.banger.daemon.catalog.CatalogEntry;
import dev.banger.daemon.catalog.Catalogs;
import dev.banger.daemon.http.ApiException;
import dev.banger.daemon.op.OperationContext;
import dev.banger.daemon.op.OperationManager;
import dev.banger.daemon.store.Store;
import dev.banger.kernel.BootFileValidator;
import dev.banger.kernel.DebianKernelBuilder;
import dev.banger.kernel.DebianPackages;
import dev.banger.kernel.InvalidBootFileException;
import dev.banger.kernel.KernelBuildListener;
import dev.banger.kernel.KernelBuildStage;
import dev.banger.kernel.KernelFacts;
import dev.banger.kernel.KernelLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kernels: pulled from the kernel catalog (built from Debian's kernel package, or fetched as a
 * bundle), or registered where they lie. Managed kernels live in {@code kernels/NAME} under the
 * state directory. Anything that needs a missing catalog kernel pulls it first. Thread-safe.
 */
public final class KernelService {
  private static final Logger LOG = LoggerFactory.getLogger(KernelService.class);

  private final KernelRepository kernels;
  private final Store store;
  private final OperationManager operations;
  private final Catalogs catalogs;
  private final Path kernelsDir;
  private final Path packageCache;
  private final Path cacheDir;

  /** A service storing kernels under {@code stateDir}, caching packages in {@code cacheDir}. */
  public KernelService(
      Store store, OperationManager operations, Catalogs catalogs, Path stateDir, Path cacheDir) {
    this.kernels = new KernelRepository(store);
    this.store = store;
    this.operations = operations;
    this.catalogs = catalogs;
    this.kernelsDir = stateDir.resolve("kernels");
    this.packageCache = cacheDir.resolve("debs");
    this.cacheDir = cacheDir;
  }

  /** Every registered kernel. */
  public List<KernelView> list() {
    return kernels.list();
  }

  /** The kernel named {@code name}, or a NOT_FOUND error that lists the catalog. */
  public KernelView show(String name) {
    return kernels.find(name).orElseThrow(() -> notFound(name));
  }

  /** The kernel named {@code name}, pulling it from the catalog first when it is missing. */
  public KernelView ensure(String name) throws InterruptedException {
    Optional<KernelView> present = kernels.find(name);
    if (present.isPresent()) {
      return present.get();
    }
    // pull() refuses a name the catalog lacks, with the same error that lists the catalog.
    operations.awaitSuccess(pull(name), "pulling kernel '" + name + "'");
    return show(name);
  }

  /** Starts (or joins) the pull of catalog kernel {@code name}. */
  public OperationView pull(String name) {
    CatalogEntry entry = catalogs.kernel(name).orElseThrow(() -> notFound(name));
    return operations.startUnless(
        "kernel-pull",
        name,
        () -> kernels.find(name).isPresent(),
        "kernel " + name + " is already present",
        ctx -> build(entry, ctx));
  }

  private String build(CatalogEntry entry, OperationContext ctx) throws Exception {
    var staged =
        new BundleFetcher(cacheDir.resolve("bundles"))
            .fetchOrFallBack(entry, kernelsDir, entry.debianPackage().isPresent(), ctx);
    if (staged.isPresent()) {
      return registerBundle(entry, staged.get().manifest(), staged.get().directory(), ctx);
    }
    String pkg =
        entry
            .debianPackage()
            .orElseThrow(
                () ->
                    new ApiException(
                        ErrorCode.HOST_UNSUPPORTED,
                        "kernel '"
                            + entry.name()
                            + "' has no recipe and no"
                            + " reachable bundle"));
    Path dir = kernelsDir.resolve(entry.name());
    Files.createDirectories(kernelsDir);
    ctx.partial(dir);
    KernelBuildListener listener =
        new KernelBuildListener() {
          @Override
          public void stage(KernelBuildStage stage) {
            ctx.phase(stage.name().toLowerCase(Locale.ROOT).replace('_', ' '));
          }

          @Override
          public void downloadProgress(long done, long total) {
            ctx.bytes(done, total);
          }
        };
    DebianKernelBuilder builder = new DebianKernelBuilder(new DebianPackages(), packageCache);
    KernelFacts facts = builder.build(pkg, dir, listener, ctx.cancellation());
    KernelLayout layout = new KernelLayout(dir);
    kernels.insert(
        new KernelView(
            entry.name(),
            true,
            facts.release(),
            layout.vmlinux().toString(),
            layout.bzImage().toString(),
            layout.initrd().toString(),
            layout.modules().toString(),
            "recipe: debian package " + pkg,
            Instant.now().toString(),
            factsMap(facts)),
        dir.toString());
    LOG.info("kernel {} registered from {} ({})", entry.name(), pkg, facts.release());
    return "kernel " + entry.name() + " " + facts.release() + " is ready";
  }

  private String registerBundle(
      CatalogEntry entry, BundleManifest manifest, Path staging, OperationContext ctx)
      throws Exception {
    if (manifest.metadata().kind() != BundleKind.KERNEL
        || !manifest.metadata().name().equals(entry.name())) {
      throw new java.io.IOException(
          "the bundle of kernel '"
              + entry.name()
              + "' holds "
              + manifest.metadata().kind().jsonName()
              + " '"
              + manifest.metadata().name()
              + "'");
    }
    KernelLayout staged = new KernelLayout(staging);
    Path modulesTar = staging.resolve("modules.tar");
    if (Files.exists(modulesTar) && !Files.exists(staged.modules())) {
      // scripts/publish-kernel.sh ships the modules as one tar inside the bundle.
      new dev.banger.archive.SafeExtractor(dev.banger.archive.ExtractionLimits.DEFAULT)
          .extract(
              modulesTar,
              staged.modules(),
              dev.banger.archive.EntryVerifier.ACCEPT_ALL,
              ctx.cancellation());
      Files.delete(modulesTar);
    }
    new BootFileValidator()
        .checkKernelFiles(
            new BootFileValidator.KernelFiles(
                staged.vmlinux(), Optional.of(staged.initrd()), Optional.of(staged.modules())));
    KernelFacts facts = KernelFacts.read(staged.facts());
    Files.deleteIfExists(staging.resolve(BundleManifest.ENTRY_NAME));
    ctx.phase("registering");
    Path dir = kernelsDir.resolve(entry.name());
    Files.move(staging, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    ctx.partial(dir);
    KernelLayout layout = new KernelLayout(dir);
    kernels.insert(
        new KernelView(
            entry.name(),
            true,
            facts.release(),
            layout.vmlinux().toString(),
            Files.exists(layout.bzImage()) ? layout.bzImage().toString() : "",
            layout.initrd().toString(),
            layout.modules().toString(),
            "bundle: " + entry.bundle().orElseThrow().url(),
            Instant.now().toString(),
            factsMap(facts)),
        dir.toString());
    return "kernel " + entry.name() + " " + facts.release() + " is ready (from its bundle)";
  }

  /** Registers kernel files that stay where they are. */
  public KernelView register(RegisterKernelRequest req) {
    requireName(req.name());
    if (kernels.find(req.name()).isPresent()) {
      throw ApiException.conflict("a kernel named '" + req.name() + "' already exists");
    }
    if (req.kernel() == null || req.kernel().isBlank()) {
      throw ApiException.badRequest("kernel register needs the kernel file (--kernel PATH)");
    }
    Path kernel = Path.of(req.kernel()).toAbsolutePath();
    Optional<Path> initrd = optionalPath(req.initrd());
    Optional<Path> modules = optionalPath(req.modules());
    try {
      new BootFileValidator()
          .checkKernelFiles(new BootFileValidator.KernelFiles(kernel, initrd, modules));
    } catch (InvalidBootFileException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    KernelView view =
        new KernelView(
            req.name(),
            false,
            "",
            kernel.toString(),
            "",
            initrd.map(Path::toString).orElse(""),
            modules.map(Path::toString).orElse(""),
            "registered",
            Instant.now().toString(),
            Map.of());
    kernels.insert(view, "");
    return show(req.name());
  }

  /** Removes a kernel; refuses while an image boots with it unless {@code force}. */
  public void remove(String name, boolean force) {
    KernelView k = show(name);
    List<String> images =
        store.query("SELECT name FROM images WHERE kernel = ?", rs -> rs.getString(1), name);
    if (!images.isEmpty() && !force) {
      throw ApiException.conflict(
          "kernel '"
              + name
              + "' is used by images "
              + images
              + "; remove them first or use --force");
    }
    Optional<String> dir = kernels.dir(name);
    kernels.delete(name);
    if (k.managed() && dir.isPresent() && !dir.get().isEmpty()) {
      try {
        FileTrees.deleteTree(Path.of(dir.get()));
      } catch (java.io.IOException e) {
        LOG.warn("kernel {} removed, but its directory {} could not be deleted", name, dir, e);
      }
    }
  }

  private ApiException notFound(String name) {
    return ApiException.notFound(
        "no kernel named '"
            + name
            + "' and none in the catalog;"
            + " catalog kernels: "
            + catalogs.kernelNames());
  }

  /** Refuses a name that is not a safe file and catalog name. */
  public static void requireName(String name) {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw ApiException.badRequest(
          "invalid name '"
              + name
              + "': use letters, digits, '.', '_'"
              + " and '-', starting with a letter or digit");
    }
  }

  static Optional<Path> optionalPath(String p) {
    return p == null || p.isBlank() ? Optional.empty() : Optional.of(Path.of(p).toAbsolutePath());
  }

  private static Map<String, String> factsMap(KernelFacts f) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("release", f.release());
    m.put("package", f.packageName() + " " + f.packageVersion());
    m.put("payloadCompression", f.payloadCompression());
    m.put("pvhNote", String.valueOf(f.pvhNote()));
    m.put("virtio", String.valueOf(f.virtio()));
    m.put("virtioMmio", String.valueOf(f.virtioMmio()));
    m.put("virtioBlk", String.valueOf(f.virtioBlk()));
    m.put("virtioNet", String.valueOf(f.virtioNet()));
    m.put("vsock", String.valueOf(f.vsock()));
    m.put("ext4", String.valueOf(f.ext4()));
    m.put("initramfsModules", String.join(",", f.initramfsModules()));
    return m;
  }
}
