package dev.banger.guest;

import org.slf4j.Logger;

/**
 * Warnings the guest can provoke at will (malformed frames): a burst goes through, then at most one
 * a second, with a count of what was left out. Thread-safe.
 */
final class GuestLog {
  private static final int BURST = 10;
  private static final long REFILL_NANOS = 1_000_000_000L;

  private final Logger log;
  private final String source;
  private double tokens = BURST;
  private long last = System.nanoTime();
  private long suppressed;

  GuestLog(Logger log, String source) {
    this.log = log;
    this.source = source;
  }

  /** Logs {@code format} (SLF4J placeholders) at WARN, prefixed with the connection. */
  void warn(String format, Object... args) {
    long dropped;
    synchronized (this) {
      long now = System.nanoTime();
      tokens = Math.min(BURST, tokens + (double) (now - last) / REFILL_NANOS);
      last = now;
      if (tokens < 1) {
        suppressed++;
        return;
      }
      tokens -= 1;
      dropped = suppressed;
      suppressed = 0;
    }
    if (dropped > 0) {
      log.warn("agent {}: {} similar warnings suppressed", source, dropped);
    }
    if (log.isWarnEnabled()) {
      Object[] all = new Object[args.length + 1];
      all[0] = source;
      System.arraycopy(args, 0, all, 1, args.length);
      log.warn("agent {}: " + format, all);
    }
  }
}
