package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Lz4LegacyInputStreamTest {

  @TempDir Path temp;

  @Test
  void decodesTheOutputOfTheLz4ToolAcrossSeveralBlocks() throws Exception {
    // More than 8 MiB, so the frame holds several blocks.
    byte[] data = TestElf.body(9 << 20);
    byte[] frame = TestCompressors.compress(PayloadCompression.LZ4_LEGACY, data, temp);

    assertThat(decode(frame, frame.length)).isEqualTo(data);
    assertThat(decode(frame, -1)).isEqualTo(data);
  }

  @Test
  void acceptsAndChecksTheKernelSizeTrailer() throws Exception {
    byte[] data = TestElf.body(100_000);
    byte[] frame =
        TestCompressors.withSizeTrailer(
            TestCompressors.compress(PayloadCompression.LZ4_LEGACY, data, temp), data.length);

    assertThat(decode(frame, frame.length)).isEqualTo(data);
    assertThat(decode(frame, -1)).isEqualTo(data);
  }

  @Test
  void decodesConcatenatedFrames() throws Exception {
    byte[] first = TestElf.body(70_000);
    byte[] second = TestElf.body(30_000);
    byte[] a = TestCompressors.compress(PayloadCompression.LZ4_LEGACY, first, temp);
    byte[] b = TestCompressors.compress(PayloadCompression.LZ4_LEGACY, second, temp);
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);

    byte[] expected = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, expected, first.length, second.length);
    assertThat(decode(both, both.length)).isEqualTo(expected);
  }

  @Test
  void wrongMagicIsRefused() {
    byte[] notLz4 = {1, 2, 3, 4, 5, 6, 7, 8};

    assertThatThrownBy(() -> decode(notLz4, notLz4.length))
        .hasMessageContaining("not an LZ4 legacy frame");
  }

  @Test
  void truncatedFrameIsAClearError() throws Exception {
    byte[] frame =
        TestCompressors.compress(PayloadCompression.LZ4_LEGACY, TestElf.body(50_000), temp);
    byte[] cut = Arrays.copyOf(frame, frame.length - 100);

    assertThatThrownBy(() -> decode(cut, -1)).hasMessageContaining("truncated");
    assertThatThrownBy(() -> decode(cut, cut.length)).hasMessageContaining("impossible here");
  }

  @Test
  void matchOffsetBeforeTheBlockStartIsRefused() {
    // One block: token 0x10 (1 literal, match length 4), literal 'a', offset 2 > 1 byte decoded.
    byte[] frame = {0x02, 0x21, 0x4c, 0x18, 5, 0, 0, 0, 0x10, 'a', 2, 0, 0};

    assertThatThrownBy(() -> decode(frame, frame.length))
        .hasMessageContaining("corrupt LZ4 block: match offset 2");
  }

  @Test
  void overlappingMatchRepeatsItsOwnOutput() throws Exception {
    // Literal 'a', then a match at offset 1 of length 4+4=8, then a final literal 'b'.
    byte[] frame = {0x02, 0x21, 0x4c, 0x18, 6, 0, 0, 0, 0x14, 'a', 1, 0, 0x10, 'b'};

    assertThat(new String(decode(frame, frame.length), java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("aaaaaaaaab");
  }

  private static byte[] decode(byte[] frame, long length) throws IOException {
    try (InputStream in = new Lz4LegacyInputStream(new ByteArrayInputStream(frame), length)) {
      return in.readAllBytes();
    }
  }
}
