package dev.banger.guest.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tag-length-value fields: {@code [tag u8][length u16][value]}, big-endian. Reading is strict about
 * lengths; unknown tags are kept so that callers can skip them. Stateless; the {@link Writer} is
 * not thread-safe.
 */
public final class Fields {
  private Fields() {}

  /**
   * One field as read from a payload. The value array is owned by the field. Immutable.
   *
   * @param tag the tag byte
   * @param value the value bytes
   */
  public record Field(int tag, byte[] value) {
    /** Whether this field has the given tag. */
    public boolean is(FieldTag t) {
      return tag == t.code();
    }

    /** The value as an unsigned integer of exactly {@code size} bytes. */
    public long unsigned(int size) throws WireException {
      if (value.length != size) {
        throw new WireException(
            "field " + name() + " has " + value.length + " bytes, expected " + size);
      }
      long v = 0;
      for (byte b : value) {
        v = (v << 8) | (b & 0xFF);
      }
      return v;
    }

    /** The value as UTF-8 text without NUL bytes. */
    public String text() throws WireException {
      for (byte b : value) {
        if (b == 0) {
          throw new WireException("field " + name() + " contains a NUL byte");
        }
      }
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(value))
            .toString();
      } catch (CharacterCodingException e) {
        throw new WireException("field " + name() + " is not valid UTF-8");
      }
    }

    private String name() {
      return FieldTag.of(tag).map(Enum::name).orElse("tag " + tag);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Field f && f.tag == tag && Arrays.equals(f.value, value);
    }

    @Override
    public int hashCode() {
      return 31 * tag + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return name() + "[" + value.length + " bytes]";
    }
  }

  /** Splits a payload into fields; a field longer than what remains is an error. */
  public static List<Field> parse(byte[] payload) throws WireException {
    List<Field> fields = new ArrayList<>();
    int pos = 0;
    while (pos < payload.length) {
      if (payload.length - pos < 3) {
        throw new WireException("truncated field header at byte " + pos);
      }
      int tag = payload[pos] & 0xFF;
      int len = ((payload[pos + 1] & 0xFF) << 8) | (payload[pos + 2] & 0xFF);
      if (payload.length - pos - 3 < len) {
        throw new WireException("field at byte " + pos + " is longer than the payload");
      }
      fields.add(new Field(tag, Arrays.copyOfRange(payload, pos + 3, pos + 3 + len)));
      pos += 3 + len;
    }
    return fields;
  }

  /** Builds a payload field by field, in the order of the calls. Not thread-safe. */
  public static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Appends a field with raw bytes. */
    public Writer bytes(FieldTag tag, byte[] value) {
      if (value.length > 0xFFFF) {
        throw new IllegalArgumentException(tag + " is longer than 65535 bytes");
      }
      out.write(tag.code());
      out.write(value.length >>> 8);
      out.write(value.length & 0xFF);
      out.writeBytes(value);
      return this;
    }

    /** Appends a one-byte field. */
    public Writer u8(FieldTag tag, int v) {
      return bytes(tag, new byte[] {(byte) v});
    }

    /** Appends a two-byte field. */
    public Writer u16(FieldTag tag, int v) {
      return bytes(tag, new byte[] {(byte) (v >>> 8), (byte) v});
    }

    /** Appends a four-byte field. */
    public Writer u32(FieldTag tag, long v) {
      return bytes(tag, ByteBuffer.allocate(4).putInt((int) v).array());
    }

    /** Appends an eight-byte field. */
    public Writer u64(FieldTag tag, long v) {
      return bytes(tag, ByteBuffer.allocate(8).putLong(v).array());
    }

    /** Appends a UTF-8 text field; text containing NUL is refused. */
    public Writer text(FieldTag tag, String v) {
      if (v.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(tag + " must not contain a NUL character");
      }
      return bytes(tag, v.getBytes(StandardCharsets.UTF_8));
    }

    /** The payload built so far. */
    public byte[] toBytes() {
      return out.toByteArray();
    }
  }
}
