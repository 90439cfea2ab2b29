package dev.banger.download;

import java.nio.file.Path;

/**
 * A completed, verified download. Immutable and thread-safe.
 *
 * @param file the final path, holding content with the expected SHA-256
 * @param size its size in bytes
 * @param attempts how many requests it took (1 when nothing failed)
 * @param resumed whether a later request continued a partial transfer with a Range request
 */
public record DownloadResult(Path file, long size, int attempts, boolean resumed) {}
