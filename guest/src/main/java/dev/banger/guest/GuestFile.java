package dev.banger.guest;

import java.time.Instant;

/**
 * What the agent reported about a path it sent: its kind, size, permission bits and time.
 * Immutable.
 *
 * @param directory whether it is a directory (sent as tar) rather than a regular file
 * @param size the file size in bytes when the transfer started; 0 for a directory
 * @param mode permission bits (including setuid, setgid and sticky)
 * @param modified modification time
 */
public record GuestFile(boolean directory, long size, int mode, Instant modified) {}
