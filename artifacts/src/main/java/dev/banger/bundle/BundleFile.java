package dev.banger.bundle;

/**
 * One file listed in a bundle manifest. Immutable and thread-safe.
 *
 * @param path the path relative to the bundle root, '/' separated ("modules/modules.dep")
 * @param sha256 the SHA-256 of its content, 64 lower-case hex digits
 * @param size its size in bytes
 */
public record BundleFile(String path, String sha256, long size) {}
