package dev.banger.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds bzImage files around a payload, with the setup header fields banger reads. */
final class TestBzImage {

  static final int SETUP_SECTS = 3;
  static final int PAYLOAD_OFFSET = 0x80;

  private TestBzImage() {}

  static byte[] build(byte[] payload, String version) {
    int protectedMode = (SETUP_SECTS + 1) * 512;
    ByteBuffer image =
        ByteBuffer.allocate(protectedMode + PAYLOAD_OFFSET + payload.length + 64)
            .order(ByteOrder.LITTLE_ENDIAN);
    image.put(0x1F1, (byte) SETUP_SECTS);
    image.putShort(0x1FE, (short) 0xAA55);
    image.put(0x202, "HdrS".getBytes(StandardCharsets.US_ASCII));
    image.putShort(0x206, (short) 0x020F);
    image.putShort(0x20E, (short) 0x100);
    image.put(0x300, (version + "\0").getBytes(StandardCharsets.US_ASCII));
    image.putInt(0x248, PAYLOAD_OFFSET);
    image.putInt(0x24C, payload.length);
    image.put(protectedMode + PAYLOAD_OFFSET, payload);
    return image.array();
  }

  static int payloadStart() {
    return (SETUP_SECTS + 1) * 512 + PAYLOAD_OFFSET;
  }
}
