package dev.banger.api;

/**
 * What a running daemon says about itself.
 *
 * @param version the daemon's version
 * @param pid the daemon's process id
 * @param startedAt when it started, ISO-8601
 * @param stateDir where it keeps its state
 * @param runtimeDir where its socket, lock and per-VM runtime files live
 * @param logFile the daemon's log file
 * @param socket the API socket path
 */
public record DaemonStatus(
    String version,
    long pid,
    String startedAt,
    String stateDir,
    String runtimeDir,
    String logFile,
    String socket) {}
