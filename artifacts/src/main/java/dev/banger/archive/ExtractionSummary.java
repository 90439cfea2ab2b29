package dev.banger.archive;

/**
 * What one successful extraction wrote. Immutable and thread-safe.
 *
 * @param entries number of entries extracted (files, directories and links)
 * @param bytes total bytes of regular-file content written
 */
public record ExtractionSummary(long entries, long bytes) {}
