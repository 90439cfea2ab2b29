package dev.banger.api;

/**
 * Copies between the host and a VM, like {@code docker cp}. The daemon reads or writes the host
 * path itself, so it must be an absolute path the daemon can reach.
 *
 * @param toGuest true to copy host → guest, false for guest → host
 * @param hostPath the absolute host path (file or directory)
 * @param guestPath the absolute guest path
 */
public record CopyRequest(boolean toGuest, String hostPath, String guestPath) {}
