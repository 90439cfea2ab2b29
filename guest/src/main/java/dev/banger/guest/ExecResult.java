package dev.banger.guest;

import java.nio.charset.StandardCharsets;

/**
 * A finished command with its captured output. Immutable; the arrays belong to the result.
 *
 * @param status how the command ended
 * @param stdout what it wrote to stdout, up to the capture limit
 * @param stderr what it wrote to stderr, up to the capture limit
 * @param truncated whether output beyond the capture limit was dropped
 */
public record ExecResult(ExitStatus status, byte[] stdout, byte[] stderr, boolean truncated) {
  /** stdout as UTF-8 text. */
  public String stdoutText() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  /** stderr as UTF-8 text. */
  public String stderrText() {
    return new String(stderr, StandardCharsets.UTF_8);
  }
}
