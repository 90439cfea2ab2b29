package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.guest.wire.FieldTag;
import dev.banger.guest.wire.Fields;
import dev.banger.guest.wire.FrameCodec;
import dev.banger.guest.wire.FrameType;
import dev.banger.guest.wire.Protocol;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client facing a guest that breaks the protocol: the channel concerned fails with a PROTOCOL
 * error, nothing on the host is left half-written, and the connection stays usable.
 */
class UntrustedGuestTest {
  @TempDir Path tmp;

  private static byte[] opened(int kind) {
    return new Fields.Writer().u8(FieldTag.KIND, kind).u32(FieldTag.PID, 1).toBytes();
  }

  @Test
  void outputBeyondTheWindowFailsThatChannelOnly() throws Exception {
    try (FakeAgent fake =
            new FakeAgent(
                tmp.resolve("window.sock"),
                (f, out) -> {
                  if (f.is(FrameType.OPEN)) {
                    out.write(FakeAgent.frame(FrameType.OPENED, f.channel(), opened(1)));
                    byte[] data = new byte[1 + 60_000];
                    data[0] = Protocol.STREAM_OUT;
                    for (int i = 0; i < 6; i++) {
                      out.write(FakeAgent.frame(FrameType.DATA, f.channel(), data));
                    }
                  }
                });
        AgentClient client = AgentClient.connect(fake.transport())) {
      try (ExecSession s = client.exec(ExecRequest.of("anything"))) {
        // Nothing reads stdout, so nothing is granted back: the sixth frame is beyond the window.
        assertThatThrownBy(s::waitFor)
            .isInstanceOfSatisfying(
                AgentException.class,
                e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.PROTOCOL))
            .hasMessageContaining("window");
        assertThatThrownBy(() -> s.stdout().transferTo(OutputStream.nullOutputStream()))
            .isInstanceOfSatisfying(
                AgentException.class,
                e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.PROTOCOL));
      }
      assertThat(client.ping()).isPositive();
      assertThat(fake.closesFromClient()).anyMatch(c -> c.code() == 1);
    }
  }

  @Test
  void garbageAndUnknownFramesBeforeAnAnswerAreSkipped() throws Exception {
    try (FakeAgent fake =
            new FakeAgent(
                tmp.resolve("garbage.sock"),
                (f, out) -> {
                  if (f.is(FrameType.OPEN)) {
                    out.write(
                        "not a frame at all".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    out.write(FrameCodec.encode(0x7E, 0, new byte[3], 0, 3));
                    byte[] oversize = new byte[Protocol.HEADER_SIZE];
                    FrameCodec.writeHeader(oversize, 0, FrameType.DATA.code(), 5, 1 << 24);
                    out.write(oversize);
                    out.write(
                        FakeAgent.frame(
                            FrameType.OPENED,
                            f.channel(),
                            new Fields.Writer().u8(FieldTag.KIND, 5).toBytes()));
                  }
                });
        AgentClient client = AgentClient.connect(fake.transport())) {
      try (GuestConnection c = client.dial(80)) {
        assertThat(c).isNotNull();
      }
      assertThat(client.ping()).isPositive();
    }
  }

  @Test
  void downloadWithoutEndOfFileIsNotTakenForAWholeFile() throws Exception {
    try (FakeAgent fake =
            new FakeAgent(
                tmp.resolve("short.sock"),
                (f, out) -> {
                  if (f.is(FrameType.OPEN)) {
                    out.write(
                        FakeAgent.frame(
                            FrameType.OPENED,
                            f.channel(),
                            new Fields.Writer()
                                .u8(FieldTag.KIND, 3)
                                .u8(FieldTag.FILE_TYPE, 1)
                                .u64(FieldTag.SIZE, 10)
                                .u32(FieldTag.MODE, 0644)
                                .u64(FieldTag.MTIME, 0)
                                .toBytes()));
                    out.write(
                        FakeAgent.frame(
                            FrameType.DATA, f.channel(), new byte[] {1, 'h', 'a', 'l', 'f', '!'}));
                    out.write(FakeAgent.frame(FrameType.CLOSE, f.channel(), new byte[2]));
                  }
                });
        AgentClient client = AgentClient.connect(fake.transport())) {
      Path target = tmp.resolve("target");
      assertThatThrownBy(() -> client.getFile("/etc/hostname", target))
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.PROTOCOL))
          .hasMessageContaining("ended before its output did");
      assertThat(target).doesNotExist();
      try (var leftovers = java.nio.file.Files.list(tmp)) {
        assertThat(leftovers.filter(p -> p.toString().endsWith(".banger-get"))).isEmpty();
      }
    }
  }

  @Test
  void aGuestThatNeverAnswersOpenTimesOutAndTheChannelIsClosed() throws Exception {
    try (FakeAgent fake = new FakeAgent(tmp.resolve("silent.sock"), (f, out) -> {});
        AgentClient client =
            AgentClient.connect(
                fake.transport(),
                AgentClientOptions.defaults().withRequestTimeout(Duration.ofMillis(300)))) {
      assertThatThrownBy(() -> client.exec(ExecRequest.of("true")))
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.TIMEOUT))
          .hasMessageContaining("exec \"true\"");
      assertThat(client.ping()).isPositive();
      assertThat(fake.closesFromClient()).anyMatch(c -> c.code() == 9);
    }
  }
}
