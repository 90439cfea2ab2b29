package dev.banger.catalog;

import java.net.URI;

/**
 * Where a pre-built bundle of a catalog entry is published. Immutable and thread-safe.
 *
 * @param url the http or https URL of the bundle (tar + zstd)
 * @param sha256 the SHA-256 of the bundle file, 64 lower-case hex digits
 * @param size the bundle file's size in bytes
 */
public record BundleSource(URI url, String sha256, long size) {}
