package dev.banger.disk;

import dev.banger.hostos.CommandRunner;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Real disk images and measurements shared by the disk tests. */
public final class DiskFixtures {
  private static final CommandRunner HOST = CommandRunner.onHost();

  private DiskFixtures() {}

  /**
   * A populated ext4 image of {@code sizeBytes} made with {@code mkfs.ext4 -d} from a directory
   * holding /etc/hostname and a data file of {@code dataBytes} pseudo-random bytes.
   */
  public static Path ext4Image(Path workDir, String name, long sizeBytes, int dataBytes)
      throws IOException {
    Path content = Files.createDirectories(workDir.resolve(name + "-content"));
    Files.createDirectories(content.resolve("etc"));
    Files.writeString(content.resolve("etc/hostname"), "banger-test\n");
    Files.write(content.resolve("data.bin"), pseudoRandom(dataBytes, name.hashCode()));
    Path image = workDir.resolve(name);
    HOST.check(
        List.of(
            "mkfs.ext4",
            "-q",
            "-F",
            "-d",
            content.toString(),
            image.toString(),
            (sizeBytes / 1024) + "k"));
    return image;
  }

  /** A sparse file of {@code sizeBytes} with {@code chunk} written at each offset. */
  public static Path sparseFile(Path file, long sizeBytes, byte[] chunk, long... offsets)
      throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(sizeBytes);
      for (long offset : offsets) {
        raf.seek(offset);
        raf.write(chunk);
      }
    }
    return file;
  }

  /** Deterministic bytes that do not compress or dedupe by accident. */
  public static byte[] pseudoRandom(int length, long seed) {
    byte[] bytes = new byte[length];
    new java.util.Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** Bytes actually allocated on disk for {@code file} ({@code stat %b * %B}). */
  public static long allocatedBytes(Path file) throws IOException {
    String[] blocks =
        HOST.check(List.of("stat", "-c", "%b %B", file.toString())).stdout().strip().split(" ", -1);
    return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
  }

  /** The text {@code s} as UTF-8. */
  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
