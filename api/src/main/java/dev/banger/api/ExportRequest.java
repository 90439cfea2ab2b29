package dev.banger.api;

/**
 * Asks the daemon to write an image as a bundle.
 *
 * @param path the absolute path of the bundle file to write; it must not exist
 */
public record ExportRequest(String path) {}
