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
