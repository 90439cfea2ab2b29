package dev.banger.daemon.http;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A response body written incrementally, for logs that follow and operations that are watched. Each
 * write is flushed to the client as it happens.
 */
@FunctionalInterface
public interface Streaming {
  /** Writes the body to {@code out}; returns when the stream is complete. */
  void writeTo(OutputStream out) throws IOException, InterruptedException;
}
