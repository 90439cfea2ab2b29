package dev.banger.bundle;

import dev.banger.archive.ArchiveEntryInfo;
import dev.banger.archive.ArchiveExtractionException;
import dev.banger.archive.EntryVerifier;
import dev.banger.archive.ExtractionLimits;
import dev.banger.archive.FileTrees;
import dev.banger.archive.SafeExtractor;
import dev.banger.download.Cancellation;
import dev.banger.download.ProgressListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a bundle written by {@link BundleWriter} into a staging directory, trusting nothing in it:
 * the first entry must be {@code manifest.json}; every later entry must be a regular file the
 * manifest lists, with the listed size and SHA-256; no listed file may be missing; and the archive
 * goes through {@link SafeExtractor}, so no entry can escape the staging directory.
 *
 * <p>The staging directory must be absent or empty. When reading fails it is left empty (or
 * absent), so a half-verified bundle is never mistaken for a good one.
 *
 * <p>Thread-safe: each call keeps its own state.
 */
public final class BundleReader {

  private static final Logger LOG = LoggerFactory.getLogger(BundleReader.class);
  private static final int MAX_MANIFEST_BYTES = 4 << 20;

  private final ExtractionLimits limits;

  /** Creates a reader that refuses bundles beyond {@code limits}. */
  public BundleReader(ExtractionLimits limits) {
    this.limits = limits;
  }

  /**
   * Extracts and verifies {@code bundleFile} into {@code stagingDir}.
   *
   * @param progress reports verified content bytes out of the manifest's total
   * @return the verified manifest; every file it lists is in {@code stagingDir}, next to a copy of
   *     {@code manifest.json}
   * @throws BundleException naming the bundle, the entry and what did not match
   */
  public BundleManifest read(
      Path bundleFile, Path stagingDir, ProgressListener progress, Cancellation cancellation)
      throws BundleException {
    String source = "'" + bundleFile + "'";
    Verifier verifier = new Verifier(source, progress);
    try {
      new SafeExtractor(limits).extract(bundleFile, stagingDir, verifier, cancellation);
    } catch (ArchiveExtractionException e) {
      throw new BundleException("Bundle " + source + " failed verification: " + e.getMessage(), e);
    }
    try {
      return verifier.complete();
    } catch (BundleException e) {
      clear(stagingDir, e);
      throw e;
    }
  }

  private static void clear(Path stagingDir, BundleException failure) {
    try {
      FileTrees.deleteContents(stagingDir);
    } catch (IOException e) {
      failure.addSuppressed(e);
      LOG.warn("Could not empty the staging directory '{}' of a rejected bundle", stagingDir, e);
    }
  }

  /** Checks entries against the manifest while they are extracted. */
  private static final class Verifier implements EntryVerifier {
    private final String source;
    private final ProgressListener progress;
    private final Set<String> seen = new HashSet<>();
    private final Map<String, BundleFile> expected = new HashMap<>();
    private Set<String> parents = Set.of();
    private BundleManifest manifest;
    private long done;

    Verifier(String source, ProgressListener progress) {
      this.source = source;
      this.progress = progress;
    }

    @Override
    public ContentCheck begin(ArchiveEntryInfo entry) throws ArchiveExtractionException {
      if (manifest == null) {
        return manifestCheck(entry);
      }
      if (entry.kind() == ArchiveEntryInfo.Kind.DIRECTORY && parents.contains(entry.path())) {
        return ContentCheck.NONE;
      }
      BundleFile file = expected.get(entry.path());
      if (entry.kind() != ArchiveEntryInfo.Kind.FILE || file == null) {
        throw new ArchiveExtractionException(
            "entry '" + entry.path() + "' (" + entry.kind() + ") is not a file the manifest lists");
      }
      if (!seen.add(entry.path())) {
        throw new ArchiveExtractionException("entry '" + entry.path() + "' appears twice");
      }
      if (entry.size() != file.size()) {
        throw new ArchiveExtractionException(
            "entry '"
                + entry.path()
                + "' has "
                + entry.size()
                + " bytes, the manifest says "
                + file.size());
      }
      return new FileCheck(file);
    }

    BundleManifest complete() throws BundleException {
      if (manifest == null) {
        throw new BundleException("Bundle " + source + " is empty: it has no manifest.json");
      }
      Set<String> missing = new TreeSet<>(expected.keySet());
      missing.removeAll(seen);
      if (!missing.isEmpty()) {
        throw new BundleException(
            "Bundle " + source + " lacks files its manifest lists: " + String.join(", ", missing));
      }
      return manifest;
    }

    private ContentCheck manifestCheck(ArchiveEntryInfo entry) throws ArchiveExtractionException {
      if (entry.kind() != ArchiveEntryInfo.Kind.FILE
          || !entry.path().equals(BundleManifest.ENTRY_NAME)) {
        throw new ArchiveExtractionException(
            "its first entry is '" + entry.path() + "', not " + BundleManifest.ENTRY_NAME);
      }
      if (entry.size() > MAX_MANIFEST_BYTES) {
        throw new ArchiveExtractionException(
            BundleManifest.ENTRY_NAME
                + " is "
                + entry.size()
                + " bytes, more than "
                + MAX_MANIFEST_BYTES);
      }
      ByteArrayOutputStream json = new ByteArrayOutputStream();
      return new ContentCheck() {
        @Override
        public void update(byte[] buffer, int offset, int length) {
          json.write(buffer, offset, length);
        }

        @Override
        public void finish() throws ArchiveExtractionException {
          accept(json.toByteArray());
        }
      };
    }

    private void accept(byte[] json) throws ArchiveExtractionException {
      BundleManifest parsed;
      try {
        parsed = BundleManifest.parse(json, source);
      } catch (BundleException e) {
        throw new ArchiveExtractionException(e.getMessage(), e);
      }
      Set<String> directories = new HashSet<>();
      for (BundleFile file : parsed.files()) {
        expected.put(file.path(), file);
        String path = file.path();
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
          directories.add(path.substring(0, slash));
        }
      }
      parents = directories;
      manifest = parsed;
      progress.progress(0, parsed.totalSize());
    }

    /** Hashes one file as it is written and compares with the manifest at its end. */
    private final class FileCheck implements ContentCheck {
      private final BundleFile file;
      private final MessageDigest digest = BundleWriter.newDigest();

      FileCheck(BundleFile file) {
        this.file = file;
      }

      @Override
      public void update(byte[] buffer, int offset, int length) {
        digest.update(buffer, offset, length);
        done += length;
        progress.progress(done, manifest.totalSize());
      }

      @Override
      public void finish() throws ArchiveExtractionException {
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(file.sha256())) {
          throw new ArchiveExtractionException(
              "file '"
                  + file.path()
                  + "' has SHA-256 "
                  + actual
                  + ", the manifest says "
                  + file.sha256());
        }
      }
    }
  }
}
