package dev.banger.guest.wire;

import java.util.Optional;

/**
 * One frame: its type code as received (possibly one this version does not know), its channel and
 * its payload. The payload array is owned by the frame and must not be modified. Immutable.
 *
 * @param type the type code from the header
 * @param channel the channel id, 0 for control frames
 * @param payload the payload bytes
 */
public record Frame(int type, int channel, byte[] payload) {
  /** The known type of this frame, or empty for an unknown code. */
  public Optional<FrameType> frameType() {
    return FrameType.of(type);
  }

  /** Whether this frame has the given type. */
  public boolean is(FrameType t) {
    return type == t.code();
  }

  /** Encodes the frame, header and payload, as it goes on the wire. */
  public byte[] encode() {
    return FrameCodec.encode(type, channel, payload, 0, payload.length);
  }
}
