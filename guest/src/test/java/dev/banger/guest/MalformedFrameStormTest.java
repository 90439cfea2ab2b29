package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.guest.wire.AgentMessages;
import dev.banger.guest.wire.FieldTag;
import dev.banger.guest.wire.Fields;
import dev.banger.guest.wire.Frame;
import dev.banger.guest.wire.FrameCodec;
import dev.banger.guest.wire.FrameReader;
import dev.banger.guest.wire.FrameType;
import dev.banger.guest.wire.HostMessages;
import dev.banger.guest.wire.OpenRequest;
import dev.banger.guest.wire.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tens of thousands of malformed frames and raw garbage at the real agent, on the connection it is
 * serving: it must close the channels concerned, keep its own process alive, and answer PING on the
 * same connection and on a new one.
 */
class MalformedFrameStormTest {
  private static final int ATTACKED = 77;

  @TempDir Path tmp;

  /** Everything the agent sends back, counted while the storm is still being written. */
  private static final class Replies implements Runnable {
    private final FrameReader reader;
    private final byte[] pingToken;
    private final Map<Integer, AtomicInteger> closeCodes = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> pong = new CompletableFuture<>();

    Replies(SocketChannel ch, byte[] pingToken) {
      this.reader = new FrameReader(Channels.newInputStream(ch), r -> {});
      this.pingToken = pingToken;
    }

    @Override
    public void run() {
      try {
        while (!pong.isDone()) {
          Frame f = reader.next();
          if (f.is(FrameType.CLOSE)) {
            int code = AgentMessages.close(f.payload()).code();
            closeCodes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
          } else if (f.is(FrameType.PONG) && java.util.Arrays.equals(f.payload(), pingToken)) {
            pong.complete(null);
          }
        }
      } catch (IOException e) {
        pong.completeExceptionally(e);
      }
    }

    int closes(int code) {
      AtomicInteger n = closeCodes.get(code);
      return n == null ? 0 : n.get();
    }
  }

  private static byte[] frame(FrameType type, int channel, byte[] payload) {
    return FrameCodec.encode(type.code(), channel, payload, 0, payload.length);
  }

  /** A frame with a valid checksum over whatever version and type it is given. */
  private static byte[] rawFrame(int type, int channel, byte[] payload, int version) {
    byte[] f = FrameCodec.encode(type, channel, payload, 0, payload.length);
    f[2] = (byte) version;
    ByteBuffer.wrap(f, 12, 4).putInt(FrameCodec.crc(f, 0, 12));
    return f;
  }

  /** One malformed item of the storm, chosen at random among every kind of breakage. */
  private static byte[] malformed(Random r, int i) {
    byte[] junk = new byte[r.nextInt(300)];
    r.nextBytes(junk);
    int channel = 1000 + i;
    return switch (i % 12) {
      case 0 -> junk;
      case 1 -> rawFrame(r.nextInt(256), r.nextInt(4), junk, Protocol.VERSION);
      case 2 -> frame(FrameType.OPEN, channel, junk);
      case 3 -> frame(FrameType.OPEN, channel, new Fields.Writer().u8(FieldTag.KIND, 1).toBytes());
      case 4 ->
          frame(
              FrameType.OPEN,
              channel,
              new Fields.Writer().u8(FieldTag.KIND, 2).text(FieldTag.PATH, "rel").toBytes());
      case 5 -> frame(FrameType.DATA, ATTACKED, new byte[] {9, 1, 2});
      case 6 -> frame(FrameType.WINDOW, ATTACKED, new byte[] {1, 0, 0});
      case 7 -> {
        byte[] header = new byte[Protocol.HEADER_SIZE];
        FrameCodec.writeHeader(header, 0, FrameType.DATA.code(), channel, 1 << 20);
        yield header;
      }
      case 8 -> rawFrame(FrameType.PING.code(), 0, junk, 2);
      case 9 -> {
        byte[] f = frame(FrameType.PING, 0, new byte[] {1});
        f[13] ^= 0x55; // checksum no longer matches
        yield f;
      }
      case 10 -> frame(FrameType.SIGNAL, ATTACKED, new byte[] {0});
      default -> frame(FrameType.PONG, r.nextInt(3), junk);
    };
  }

  @Test
  void agentSurvivesAStormAndStillAnswersPing() throws Exception {
    try (AgentProcess agent = AgentProcess.start(tmp.resolve("storm.sock"));
        SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      raw.connect(UnixDomainSocketAddress.of(agent.socket()));
      byte[] token = "after the storm".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Replies replies = new Replies(raw, token);
      Thread reader = Thread.ofVirtual().start(replies);
      var out = Channels.newOutputStream(raw);

      out.write(frame(FrameType.HELLO, 0, HostMessages.hello(1)));
      out.write(
          frame(
              FrameType.OPEN,
              ATTACKED,
              new OpenRequest.Exec(List.of("cat"), List.of(), null, null, 0, 0).encode()));
      // More input than the window allows, before any grant: a flow-control violation.
      byte[] chunk = HostMessages.data(0, new byte[Protocol.MAX_DATA], 0, Protocol.MAX_DATA);
      for (int i = 0; i < 5; i++) {
        out.write(frame(FrameType.DATA, ATTACKED + 1, chunk));
      }
      Random random = new Random(20240601);
      ByteArrayOutputStream storm = new ByteArrayOutputStream();
      for (int i = 0; i < 30_000; i++) {
        storm.writeBytes(malformed(random, i));
        if (storm.size() > 1 << 20) {
          out.write(storm.toByteArray());
          storm.reset();
        }
      }
      out.write(storm.toByteArray());
      // Whatever header the storm left half-received, these bytes complete it or are skipped.
      out.write(new byte[Protocol.MAX_PAYLOAD + Protocol.HEADER_SIZE]);
      out.write(frame(FrameType.PING, 0, token));
      out.flush();

      replies.pong.get(60, TimeUnit.SECONDS);
      reader.join();
      assertThat(replies.closes(1)).as("CLOSE with code PROTOCOL").isGreaterThan(1000);
      assertThat(agent.isAlive()).isTrue();

      try (AgentClient client = AgentClient.connect(agent.transport())) {
        assertThat(
                client
                    .run(ExecRequest.of("echo", "alive"), null, Duration.ofSeconds(30))
                    .stdoutText())
            .isEqualTo("alive\n");
      }
      // The agent's warnings about what the host sends are rate-limited, not one per frame.
      long warnings = agent.log().lines().filter(l -> l.contains(": warn: ")).count();
      assertThat(warnings).isLessThan(replies.closes(1) / 10);
    }
  }
}
