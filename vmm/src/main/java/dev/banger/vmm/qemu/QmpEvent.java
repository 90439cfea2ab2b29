package dev.banger.vmm.qemu;

import java.time.Instant;
import java.util.Map;

/**
 * An asynchronous event QEMU sent on the QMP socket, such as {@code SHUTDOWN} or {@code POWERDOWN}.
 *
 * <p>Immutable, so thread-safe.
 *
 * @param name the event name
 * @param data the event's data members as JSON text, by member name
 * @param at QEMU's timestamp of the event
 */
public record QmpEvent(String name, Map<String, String> data, Instant at) {
  /** Copies the data. */
  public QmpEvent {
    data = Map.copyOf(data);
  }
}
