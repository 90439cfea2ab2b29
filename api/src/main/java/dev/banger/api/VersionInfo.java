package dev.banger.api;

/**
 * Versions of one banger program.
 *
 * @param program {@code banger} or {@code bangerd}
 * @param version the release version
 * @param apiVersion the wire protocol version it speaks
 * @param java the Java runtime version it runs on
 */
public record VersionInfo(String program, String version, String apiVersion, String java) {}
