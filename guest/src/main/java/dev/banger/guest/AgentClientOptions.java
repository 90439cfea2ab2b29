package dev.banger.guest;

import java.time.Duration;

/**
 * Limits of an {@link AgentClient}. Immutable.
 *
 * @param connectTimeout how long {@code connect} and {@code reconnect} keep trying to reach the
 *     agent and get its HELLO
 * @param requestTimeout how long a request waits for the agent's answer (PING, OPEN, POWER)
 * @param maxDownloadBytes the most bytes a download from the guest may write on the host
 */
public record AgentClientOptions(
    Duration connectTimeout, Duration requestTimeout, long maxDownloadBytes) {
  /** 60 s to connect, 30 s per request, 64 GiB per download. */
  public static AgentClientOptions defaults() {
    return new AgentClientOptions(Duration.ofSeconds(60), Duration.ofSeconds(30), 64L << 30);
  }

  /** Checks the values. */
  public AgentClientOptions {
    if (connectTimeout.isNegative() || requestTimeout.isNegative() || maxDownloadBytes < 0) {
      throw new IllegalArgumentException("timeouts and limits must not be negative");
    }
  }

  /** A copy with another connect timeout. */
  public AgentClientOptions withConnectTimeout(Duration timeout) {
    return new AgentClientOptions(timeout, requestTimeout, maxDownloadBytes);
  }

  /** A copy with another request timeout. */
  public AgentClientOptions withRequestTimeout(Duration timeout) {
    return new AgentClientOptions(connectTimeout, timeout, maxDownloadBytes);
  }

  /** A copy with another download limit. */
  public AgentClientOptions withMaxDownloadBytes(long bytes) {
    return new AgentClientOptions(connectTimeout, requestTimeout, bytes);
  }
}
