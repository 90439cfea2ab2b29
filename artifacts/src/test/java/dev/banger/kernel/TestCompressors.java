package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Compresses test data with the real command-line tools, as the kernel build does. */
final class TestCompressors {

  private TestCompressors() {}

  /** The tool command (reading the file named last, writing stdout) for a compression. */
  static List<String> command(PayloadCompression compression) {
    return switch (compression) {
      case GZIP -> List.of("gzip", "-9", "-n", "-c");
      case XZ -> List.of("xz", "--check=crc32", "-6", "-c");
      case ZSTD -> List.of("zstd", "-19", "-q", "-c");
      case LZ4_LEGACY -> List.of("lz4", "-l", "-9", "-q", "-c");
      case LZ4_FRAME -> List.of("lz4", "-9", "-q", "-c");
      case BZIP2 -> List.of("bzip2", "-9", "-c");
      default -> throw new IllegalArgumentException(compression.name());
    };
  }

  static byte[] compress(PayloadCompression compression, byte[] data, Path workDir)
      throws Exception {
    List<String> command = new ArrayList<>(command(compression));
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin", command.getFirst())),
        "needs the " + command.getFirst() + " command-line tool");
    Path input = Files.createTempFile(workDir, "in", ".bin");
    Path output = Files.createTempFile(workDir, "out", ".bin");
    Files.write(input, data);
    command.add(input.toString());
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(output.toFile())
            .redirectError(ProcessBuilder.Redirect.PIPE)
            .start();
    String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("%s: %s", command, errors).isZero();
    byte[] compressed = Files.readAllBytes(output);
    Files.delete(input);
    Files.delete(output);
    return compressed;
  }

  /** The kernel build's size_append: the uncompressed size as 4 little-endian bytes. */
  static byte[] withSizeTrailer(byte[] compressed, long uncompressedSize) {
    return ByteBuffer.allocate(compressed.length + 4)
        .order(ByteOrder.LITTLE_ENDIAN)
        .put(compressed)
        .putInt((int) uncompressedSize)
        .array();
  }
}
