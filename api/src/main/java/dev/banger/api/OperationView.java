package dev.banger.api;

/**
 * A long-running daemon operation (a pull, a build) as the API shows it.
 *
 * @param id the operation id
 * @param kind what it does, e.g. {@code image-pull}, {@code kernel-pull}
 * @param target what it works on, e.g. the image name
 * @param state {@code running}, {@code succeeded}, {@code failed}, {@code cancelled} or {@code
 *     interrupted} (the daemon restarted while it ran)
 * @param phase the current step, e.g. {@code downloading}
 * @param done progress so far, in {@code unit}
 * @param total the expected total in {@code unit}, or -1 when unknown
 * @param unit {@code bytes} or {@code percent}
 * @param message the failure, or a final note
 * @param createdAt start time, ISO-8601
 * @param updatedAt last change, ISO-8601
 */
public record OperationView(
    String id,
    String kind,
    String target,
    String state,
    String phase,
    long done,
    long total,
    String unit,
    String message,
    String createdAt,
    String updatedAt) {

  /** Whether the operation has ended, one way or another. */
  public boolean finished() {
    return !"running".equals(state);
  }
}
