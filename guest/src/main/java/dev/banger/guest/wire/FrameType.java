package dev.banger.guest.wire;

import java.util.Optional;

/** The frame types of protocol version 1, with their code in the header. Immutable. */
public enum FrameType {
  HELLO(0x01),
  PING(0x02),
  PONG(0x03),
  POWER(0x04),
  POWER_ACK(0x05),
  OPEN(0x10),
  OPENED(0x11),
  DATA(0x12),
  EOF(0x13),
  WINDOW(0x14),
  RESIZE(0x15),
  SIGNAL(0x16),
  EXIT(0x17),
  CLOSE(0x18);

  private static final FrameType[] BY_CODE = new FrameType[256];

  static {
    for (FrameType t : values()) {
      BY_CODE[t.code] = t;
    }
  }

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  /** The byte that identifies this type in a header. */
  public int code() {
    return code;
  }

  /** The type with this code, or empty for a code protocol version 1 does not define. */
  public static Optional<FrameType> of(int code) {
    return code >= 0 && code < BY_CODE.length
        ? Optional.ofNullable(BY_CODE[code])
        : Optional.empty();
  }
}
