package dev.banger.daemon;

import dev.banger.api.ApiVersion;
import dev.banger.api.DaemonStatus;
import dev.banger.api.DoctorReport;
import dev.banger.api.Locations;
import dev.banger.api.Routes;
import dev.banger.api.VersionInfo;
import dev.banger.daemon.catalog.ArtifactCatalogs;
import dev.banger.daemon.catalog.Catalogs;
import dev.banger.daemon.config.Config;
import dev.banger.daemon.doctor.Doctor;
import dev.banger.daemon.http.ApiServer;
import dev.banger.daemon.http.Route;
import dev.banger.daemon.image.ImageRoutes;
import dev.banger.daemon.image.ImageService;
import dev.banger.daemon.kernel.KernelRoutes;
import dev.banger.daemon.kernel.KernelService;
import dev.banger.daemon.op.OperationManager;
import dev.banger.daemon.op.OperationRoutes;
import dev.banger.daemon.store.Store;
import dev.banger.daemon.vm.VmRoutes;
import dev.banger.daemon.vm.VmService;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's composition root: it opens the store, builds the services and serves the API on the
 * runtime socket. {@link #close} stops serving, closes the store and releases the lock, in that
 * order, so that nothing is written after the lock is gone. Thread-safe.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  /** The release version of this build. */
  public static final String VERSION = "0.1.0";

  private final Locations locations;
  private final Config config;
  private final StateLock lock;
  private final Store store;
  private final VmService vms;
  private final OperationManager operations;
  private final KernelService kernels;
  private final ImageService images;
  private final Instant startedAt = Instant.now();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private ApiServer server;

  private Daemon(Locations locations, Config config, StateLock lock, Store store)
      throws java.io.IOException {
    this.locations = locations;
    this.config = config;
    this.lock = lock;
    this.store = store;
    this.operations = new OperationManager(store);
    Catalogs catalogs = new ArtifactCatalogs(locations.configDir().resolve("catalog.json"));
    this.kernels =
        new KernelService(store, operations, catalogs, locations.stateDir(), locations.cacheDir());
    this.images =
        new ImageService(
            store,
            kernels,
            operations,
            catalogs,
            locations.stateDir(),
            locations.cacheDir(),
            agentBinary());
    this.vms =
        new VmService(
            store,
            images,
            kernels,
            config,
            locations.stateDir(),
            locations.runtimeDir(),
            locations.configDir(),
            agentBinary());
    images.afterRemove(() -> vms.collectBases(false));
  }

  /** Opens the state and starts serving; the caller holds {@code lock}. */
  public static Daemon start(Locations locations, Config config, StateLock lock) throws Exception {
    LOG.info(
        "bangerd {} starting (pid {}, state {}, runtime {})",
        VERSION,
        ProcessHandle.current().pid(),
        locations.stateDir(),
        locations.runtimeDir());
    Store store = Store.open(locations.stateDir().resolve("state.db"));
    Daemon daemon;
    try {
      daemon = new Daemon(locations, config, lock, store);
    } catch (Exception e) {
      store.close();
      throw e;
    }
    try {
      daemon.operations.interruptLeftovers();
      daemon.vms.adoptAfterRestart();
      daemon.vms.reapLeftovers(
          locations.stateDir().equals(java.nio.file.Path.of("/var/lib/banger")));
      daemon.server = ApiServer.start(locations.socket(), daemon.routes());
    } catch (Exception e) {
      store.close();
      throw e;
    }
    LOG.info("serving API {} on {}", ApiVersion.PREFIX, locations.socket());
    return daemon;
  }

  /** Blocks until {@link #close} runs (SIGTERM or an API shutdown). */
  public void awaitShutdown() throws InterruptedException {
    stopped.await();
  }

  /** Used at build time to record an AOT cache: serve, answer one request locally, exit. */
  void trainAndExit() {
    vms.repository().list();
    close();
  }

  /** The routes of this API version; {@code openapi.yaml} documents the same set. */
  List<Route> routes() {
    List<Route> r = new ArrayList<>();
    r.add(new Route("GET", Routes.VERSION, req -> version()));
    r.add(new Route("GET", Routes.DAEMON, req -> status()));
    r.add(new Route("POST", Routes.DAEMON_SHUTDOWN, req -> shutdownSoon()));
    r.add(new Route("GET", Routes.DOCTOR, req -> doctor()));
    r.addAll(VmRoutes.of(vms));
    r.addAll(OperationRoutes.of(operations));
    r.addAll(KernelRoutes.of(kernels));
    r.addAll(ImageRoutes.of(images, config.defaultImageName()));
    return r;
  }

  /** The guest agent installed into images: next to bangerd in build/bin or an install. */
  static java.nio.file.Path agentBinary() {
    String explicit = System.getProperty("banger.agent");
    if (explicit != null) {
      return java.nio.file.Path.of(explicit);
    }
    String home = System.getProperty("banger.home");
    if (home != null) {
      return java.nio.file.Path.of(home, "bin", "banger-vsock-agent");
    }
    return java.nio.file.Path.of(
        System.getProperty("banger.bin", "build/bin"), "banger-vsock-agent");
  }

  private static VersionInfo version() {
    return new VersionInfo(
        "bangerd", VERSION, ApiVersion.PREFIX.substring(1), Runtime.version().toString());
  }

  private DaemonStatus status() {
    return new DaemonStatus(
        VERSION,
        ProcessHandle.current().pid(),
        startedAt.toString(),
        locations.stateDir().toString(),
        locations.runtimeDir().toString(),
        locations.logFile().toString(),
        locations.socket().toString());
  }

  private DoctorReport doctor() {
    return new Doctor(config, locations.stateDir(), Locations.currentUid() == 0).run();
  }

  private Object shutdownSoon() {
    // Answer first, then stop: the CLI waits for the socket to disappear.
    Thread.ofPlatform()
        .name("api-shutdown")
        .start(
            () -> {
              try {
                Thread.sleep(50);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              close();
            });
    return null;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    LOG.info("bangerd shutting down");
    try {
      if (server != null) {
        server.close();
      }
    } catch (Exception e) {
      LOG.warn("stopping the API server failed", e);
    }
    try {
      Files.deleteIfExists(locations.socket());
    } catch (IOException e) {
      LOG.warn("removing the socket {} failed", locations.socket(), e);
    }
    vms.close();
    store.close();
    lock.close();
    LOG.info("bangerd stopped");
    stopped.countDown();
  }
}
