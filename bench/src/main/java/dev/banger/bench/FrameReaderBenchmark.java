package dev.banger.bench;

import dev.banger.guest.wire.Frame;
import dev.banger.guest.wire.FrameReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * How fast the host reads agent frames: every byte of exec output and file copies passes through
 * {@link FrameReader}. Reads 16 MiB of data frames per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FrameReaderBenchmark {
  private static final int STREAM_BYTES = 16 << 20;

  /** Payload size of each frame. */
  @Param({"4096", "32768"})
  public int payload;

  private byte[] stream;

  /** Encodes the frames once. */
  @Setup
  public void encode() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(STREAM_BYTES + 4096);
    byte[] data = new byte[payload];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31);
    }
    for (int sent = 0; sent < STREAM_BYTES; sent += payload) {
      out.write(new Frame(dataFrameType(), 1 + sent % 7, data).encode());
    }
    stream = out.toByteArray();
  }

  /** Reads every frame of the stream; returns the payload bytes seen. */
  @Benchmark
  public long readFrames() throws IOException {
    FrameReader reader =
        new FrameReader(
            new ByteArrayInputStream(stream),
            refusal -> {
              throw new IllegalStateException("a valid stream was refused: " + refusal);
            });
    long bytes = 0;
    while (bytes < STREAM_BYTES) {
      bytes += reader.next().payload().length;
    }
    return bytes;
  }

  private static int dataFrameType() {
    return dev.banger.guest.wire.FrameType.DATA.code();
  }
}
