package dev.banger.daemon.catalog;

import dev.banger.archive.ExtractionLimits;
import dev.banger.bundle.BundleException;
import dev.banger.bundle.BundleManifest;
import dev.banger.bundle.BundleReader;
import dev.banger.daemon.op.OperationContext;
import dev.banger.download.DownloadException;
import dev.banger.download.DownloadRequest;
import dev.banger.download.Downloader;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fetches a catalog entry's published bundle: download (retried, resumed, checksum verified before
 * anything else reads it) into the cache, then verified extraction into a staging directory.
 * Nothing it produces is registered here; the caller moves the staging directory into place.
 * Thread-safe (stateless but for its cache directory).
 */
public final class BundleFetcher {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(BundleFetcher.class);

  private final Path cacheDir;

  /** A fetcher caching downloaded bundles in {@code cacheDir}. */
  public BundleFetcher(Path cacheDir) {
    this.cacheDir = cacheDir;
  }

  /** Why a bundle could not be used; {@link #fallBack} says whether a recipe may take over. */
  public static final class Unavailable extends IOException {
    private static final long serialVersionUID = 1L;
    private final boolean fallBack;

    Unavailable(String message, boolean fallBack, Throwable cause) {
      super(message, cause);
      this.fallBack = fallBack;
    }

    /** True when the bundle was unreachable, false when it was reached but wrong. */
    public boolean fallBack() {
      return fallBack;
    }
  }

  /** A bundle extracted into its staging directory. */
  public record Staged(BundleManifest manifest, Path directory) {}

  /**
   * Fetches the bundle of {@code entry}, when it has one, into a new staging directory under {@code
   * parent}. Empty when the entry has no bundle, or when its bundle is unreachable and {@code
   * recipeFallback} allows building from the recipe instead; a bundle that was reached but is wrong
   * is always an error. The staging directory is recorded as a partial file.
   */
  public java.util.Optional<Staged> fetchOrFallBack(
      CatalogEntry entry, Path parent, boolean recipeFallback, OperationContext ctx)
      throws IOException {
    if (entry.bundle().isEmpty()) {
      return java.util.Optional.empty();
    }
    Files.createDirectories(parent);
    Path staging = parent.resolve("." + entry.name() + ".pulling-" + java.util.UUID.randomUUID());
    ctx.partial(staging);
    try {
      return java.util.Optional.of(new Staged(fetch(entry.bundle().get(), staging, ctx), staging));
    } catch (Unavailable e) {
      dev.banger.archive.FileTrees.deleteTree(staging);
      if (!e.fallBack() || !recipeFallback) {
        throw e;
      }
      LOG.warn(
          "the bundle of {} is unreachable ({}); building it from its recipe",
          entry.name(),
          e.getMessage());
      return java.util.Optional.empty();
    }
  }

  /** Downloads and extracts {@code bundle} into {@code staging}; returns its manifest. */
  public BundleManifest fetch(CatalogEntry.Bundle bundle, Path staging, OperationContext ctx)
      throws IOException {
    Files.createDirectories(cacheDir);
    Path file = cacheDir.resolve(bundle.sha256() + ".bundle");
    ctx.partial(file);
    ctx.phase("downloading " + bundle.url());
    try {
      Downloader.builder()
          .build()
          .download(
              new DownloadRequest(URI.create(bundle.url()), file, bundle.sha256(), bundle.size()),
              ctx::bytes,
              ctx.cancellation());
    } catch (DownloadException e) {
      boolean unreachable =
          e.reason() == DownloadException.Reason.NETWORK
              || e.reason() == DownloadException.Reason.HTTP_STATUS;
      throw new Unavailable(e.getMessage(), unreachable, e);
    }
    ctx.phase("verifying and unpacking");
    try {
      return new BundleReader(ExtractionLimits.DEFAULT)
          .read(file, staging, ctx::bytes, ctx.cancellation());
    } catch (BundleException e) {
      throw new Unavailable(e.getMessage(), false, e);
    }
  }
}
