package dev.banger.guest.wire;

import java.util.Optional;

/** Tags of the tag-length-value fields in HELLO, OPEN and OPENED payloads. Immutable. */
public enum FieldTag {
  NONCE(1),
  AGENT_VERSION(2),
  KERNEL(3),
  BOOT_TIME(4),
  UPTIME(5),
  HOSTNAME(6),
  TRANSPORT(7),
  MAX_PAYLOAD(8),
  WINDOW(9),
  KIND(16),
  ARG(17),
  ENV(18),
  CWD(19),
  USER(20),
  TTY(21),
  PATH(22),
  MODE(23),
  MTIME(24),
  PID(25),
  FILE_TYPE(26),
  SIZE(27),
  PORT(28),
  HOST(29);

  private final int code;

  FieldTag(int code) {
    this.code = code;
  }

  /** The tag byte. */
  public int code() {
    return code;
  }

  /** The tag with this code, or empty for a tag this version does not define. */
  public static Optional<FieldTag> of(int code) {
    for (FieldTag t : values()) {
      if (t.code == code) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
