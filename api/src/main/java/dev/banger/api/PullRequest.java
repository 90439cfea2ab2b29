package dev.banger.api;

/**
 * Asks the daemon to pull an image or a kernel.
 *
 * @param name the catalog name (or, for images, a registry reference)
 */
public record PullRequest(String name) {}
