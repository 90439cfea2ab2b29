package dev.banger.guest.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameReaderTest {
  /** Delivers its bytes a few at a time, as a socket may. */
  private static InputStream trickle(byte[] bytes) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 7));
      }
    };
  }

  @Test
  void crcIsTheStandardIeeeChecksum() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertThat(FrameCodec.crc(check, 0, check.length)).isEqualTo(0xCBF43926);
  }

  @Test
  void readerReassemblesFramesThatArriveInPieces() throws Exception {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    for (int i = 1; i <= 50; i++) {
      byte[] payload = new byte[i * 100];
      stream.writeBytes(new Frame(FrameType.DATA.code(), i, payload).encode());
    }
    FrameReader reader = new FrameReader(trickle(stream.toByteArray()), r -> {});
    for (int i = 1; i <= 50; i++) {
      Frame f = reader.next();
      assertThat(f.channel()).isEqualTo(i);
      assertThat(f.payload()).hasSize(i * 100);
    }
    assertThatThrownBy(reader::next).isInstanceOf(EOFException.class);
  }

  @Test
  void readerSkipsNoiseAndReportsRefusedHeaders() throws Exception {
    Random random = new Random(7);
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    int noise = 0;
    for (int i = 0; i < 100; i++) {
      byte[] junk = new byte[random.nextInt(40)];
      random.nextBytes(junk);
      for (int k = 0; k < junk.length; k++) {
        junk[k] = (byte) (junk[k] & 0x3F); // never the magic byte
      }
      stream.writeBytes(junk);
      noise += junk.length;
      stream.writeBytes(new Frame(FrameType.PING.code(), 0, new byte[] {(byte) i}).encode());
    }
    byte[] oversize = new byte[Protocol.HEADER_SIZE];
    FrameCodec.writeHeader(oversize, 0, FrameType.DATA.code(), 77, Protocol.MAX_PAYLOAD + 1);
    stream.writeBytes(oversize);
    stream.writeBytes(new Frame(FrameType.PING.code(), 0, new byte[] {(byte) 200}).encode());
    List<FrameReader.Refusal> refused = new ArrayList<>();
    FrameReader reader = new FrameReader(trickle(stream.toByteArray()), refused::add);
    for (int i = 0; i < 100; i++) {
      assertThat(reader.next().payload()).containsExactly((byte) i);
    }
    assertThat(reader.next().payload()).containsExactly((byte) 200);
    assertThat(reader.skippedBytes()).isEqualTo(noise);
    assertThat(refused)
        .containsExactly(new FrameReader.Refusal.Oversize(77, Protocol.MAX_PAYLOAD + 1));
  }

  @Test
  void fieldsRefuseTruncationAndNulInText() {
    byte[] truncated = {(byte) FieldTag.PATH.code(), 0, 5, '/', 't'};
    assertThatThrownBy(() -> Fields.parse(truncated))
        .isInstanceOf(WireException.class)
        .hasMessageContaining("longer than the payload");
    assertThatThrownBy(() -> new Fields.Field(FieldTag.HOSTNAME.code(), new byte[] {'a', 0}).text())
        .hasMessageContaining("NUL");
    assertThatThrownBy(() -> new Fields.Field(FieldTag.PID.code(), new byte[3]).unsigned(4))
        .hasMessageContaining("3 bytes, expected 4");
  }
}
