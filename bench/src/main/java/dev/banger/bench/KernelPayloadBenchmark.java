package dev.banger.bench;

import dev.banger.kernel.PayloadCompression;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * How fast banger turns a kernel payload into the ELF vmlinux: the LZ4 legacy decoder (Debian's
 * cloud kernel) written in Java, on a payload made with the system's {@code lz4 -l} from 32 MiB of
 * kernel-like data (code-like repetition, not random bytes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class KernelPayloadBenchmark {
  private static final int PLAIN_BYTES = 32 << 20;

  private byte[] compressed;

  /** Compresses the sample once with the real lz4 tool. */
  @Setup
  public void compress() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("banger-bench-lz4");
    try {
      byte[] plain = new byte[PLAIN_BYTES];
      for (int i = 0; i < plain.length; i++) {
        plain[i] = (byte) ((i % 4096 < 3072) ? (i % 251) : (i * 2654435761L >>> 24));
      }
      Path in = Files.write(dir.resolve("plain"), plain);
      Path out = dir.resolve("plain.lz4");
      Process p =
          new ProcessBuilder("lz4", "-l", "-q", "-f", in.toString(), out.toString())
              .inheritIO()
              .start();
      if (p.waitFor() != 0) {
        throw new IOException("lz4 -l failed; install the lz4 package");
      }
      compressed = Files.readAllBytes(out);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  /** Decodes the whole payload; returns the plain size. */
  @Benchmark
  public long decodeLz4Legacy() throws IOException {
    PayloadCompression c = PayloadCompression.detect(compressed);
    try (InputStream in = c.decoder(new ByteArrayInputStream(compressed), compressed.length)) {
      return in.transferTo(java.io.OutputStream.nullOutputStream());
    }
  }
}
