package dev.banger.archive;

/**
 * Lets a caller of {@link SafeExtractor} inspect and refuse entries while they are extracted, for
 * example to check each file against a manifest of checksums.
 *
 * <p>Called on the extracting thread only, in archive order; implementations need not be
 * thread-safe.
 */
@FunctionalInterface
public interface EntryVerifier {

  /** Accepts every entry and ignores its content. */
  EntryVerifier ACCEPT_ALL = entry -> ContentCheck.NONE;

  /**
   * Called before an entry is written. Throwing refuses the entry and aborts the extraction.
   *
   * @return a check that sees the content of a regular file (ignored for other kinds)
   */
  ContentCheck begin(ArchiveEntryInfo entry) throws ArchiveExtractionException;

  /** Sees the content of one regular file as it is written, then decides on it. */
  interface ContentCheck {

    /** A check that accepts any content. */
    ContentCheck NONE =
        new ContentCheck() {
          @Override
          public void update(byte[] buffer, int offset, int length) {}

          @Override
          public void finish() {}
        };

    /** Receives the next chunk of content. Throwing aborts the extraction. */
    void update(byte[] buffer, int offset, int length) throws ArchiveExtractionException;

    /** Called after the last chunk. Throwing aborts the extraction. */
    void finish() throws ArchiveExtractionException;
  }
}
