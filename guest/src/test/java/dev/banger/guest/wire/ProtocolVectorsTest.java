package dev.banger.guest.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The shared vectors in agent/testdata/vectors, against the host's codec (the C side too). */
class ProtocolVectorsTest {
  static Stream<Vector> vectors() {
    return Vector.all().stream();
  }

  /** Fields the host's OPEN encoder writes; vectors with others test the agent's decoder. */
  private static final Set<FieldTag> OPEN_FIELDS =
      EnumSet.of(
          FieldTag.KIND,
          FieldTag.ARG,
          FieldTag.ENV,
          FieldTag.CWD,
          FieldTag.USER,
          FieldTag.TTY,
          FieldTag.PATH,
          FieldTag.MODE,
          FieldTag.MTIME,
          FieldTag.PORT,
          FieldTag.HOST);

  static Stream<Vector> hostVectors() {
    return vectors()
        .filter(v -> v.direction().equals("host") && v.expect().equals("ok"))
        .filter(
            v ->
                v.type() != FrameType.OPEN
                    || v.fields().stream().allMatch(f -> OPEN_FIELDS.contains(f.tag())));
  }

  static Stream<Vector> agentVectors() {
    return vectors()
        .filter(v -> v.direction().equals("agent"))
        .filter(v -> v.expect().equals("ok") || v.expect().equals("reject"));
  }

  @Test
  void everyProtocolFeatureHasVectors() {
    List<Vector> all = Vector.all();
    assertThat(all).hasSizeGreaterThanOrEqualTo(50);
    assertThat(all.stream().map(Vector::type).distinct()).hasSize(FrameType.values().length);
    assertThat(all.stream().map(Vector::expect).distinct())
        .contains("ok", "reject", "resync", "oversize", "bad-version");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void frameLayerFindsWhatTheVectorDescribes(Vector v) throws Exception {
    byte[] bytes = v.frame();
    int pos = 0;
    int skipped = 0;
    FrameCodec.Result r;
    while ((r = FrameCodec.parse(bytes, pos, bytes.length - pos)).status()
        == FrameCodec.Status.SKIP) {
      skipped += r.consumed();
      pos += r.consumed();
    }
    switch (v.expect()) {
      case "oversize" -> {
        assertThat(r.status()).isEqualTo(FrameCodec.Status.OVERSIZE);
        assertThat(r.channel()).isEqualTo(v.channel());
        assertThat(r.consumed()).isEqualTo(Protocol.HEADER_SIZE);
      }
      case "bad-version" -> {
        assertThat(r.status()).isEqualTo(FrameCodec.Status.BAD_VERSION);
        assertThat(r.consumed()).isEqualTo(bytes.length - pos);
      }
      default -> {
        assertThat(r.status()).isEqualTo(FrameCodec.Status.FRAME);
        assertThat(pos + r.consumed()).isEqualTo(bytes.length);
        assertThat(skipped).isEqualTo(v.expect().equals("resync") ? v.skipped() : 0);
        assertThat(r.frame().type()).isEqualTo(v.type().code());
        assertThat(r.frame().channel()).isEqualTo(v.channel());
        assertThat(r.frame().payload()).isEqualTo(v.expectedPayload());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostVectors")
  void hostEncodesExactlyTheVectorBytes(Vector v) {
    byte[] payload = encodeAsHost(v);
    assertThat(FrameCodec.encode(v.type().code(), v.channel(), payload, 0, payload.length))
        .isEqualTo(v.frame());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("agentVectors")
  void hostDecodesOrRefusesWhatTheAgentSends(Vector v) throws Exception {
    byte[] payload = FrameCodec.parse(v.frame(), 0, v.frame().length).frame().payload();
    if (v.expect().equals("reject")) {
      assertThatThrownBy(() -> decodeAsHost(v, payload)).isInstanceOf(WireException.class);
    } else {
      decodeAsHost(v, payload);
    }
  }

  /** Builds the payload with the host's own encoders from what the vector says it means. */
  private static byte[] encodeAsHost(Vector v) {
    return switch (v.type()) {
      case HELLO -> HostMessages.hello(v.field(FieldTag.NONCE).number());
      case PING -> v.bytes("bytes");
      case POWER -> HostMessages.power((int) v.number("action"));
      case OPEN -> openRequest(v).encode();
      case DATA -> {
        byte[] b = v.bytes("bytes");
        yield HostMessages.data((int) v.number("stream"), b, 0, b.length);
      }
      case EOF -> HostMessages.eof((int) v.number("stream"));
      case WINDOW -> HostMessages.window((int) v.number("stream"), (int) v.number("increment"));
      case RESIZE -> HostMessages.resize((int) v.number("rows"), (int) v.number("cols"));
      case SIGNAL -> HostMessages.signal((int) v.number("signal"));
      case CLOSE -> HostMessages.close((int) v.number("code"), v.values().get("message"));
      default -> throw new IllegalArgumentException(v + ": the host never sends " + v.type());
    };
  }

  private static OpenRequest openRequest(Vector v) {
    int kind = (int) v.field(FieldTag.KIND).number();
    String path = v.fields(FieldTag.PATH).isEmpty() ? null : v.field(FieldTag.PATH).text();
    String user = v.fields(FieldTag.USER).isEmpty() ? null : v.field(FieldTag.USER).text();
    return switch (kind) {
      case OpenRequest.KIND_EXEC -> {
        List<String> argv = new ArrayList<>();
        v.fields(FieldTag.ARG).forEach(f -> argv.add(f.text()));
        List<String> env = new ArrayList<>();
        v.fields(FieldTag.ENV).forEach(f -> env.add(f.text()));
        String cwd = v.fields(FieldTag.CWD).isEmpty() ? null : v.field(FieldTag.CWD).text();
        byte[] tty = v.fields(FieldTag.TTY).isEmpty() ? new byte[4] : v.field(FieldTag.TTY).raw();
        yield new OpenRequest.Exec(
            argv,
            env,
            cwd,
            user,
            ((tty[0] & 0xFF) << 8) | (tty[1] & 0xFF),
            ((tty[2] & 0xFF) << 8) | (tty[3] & 0xFF));
      }
      case OpenRequest.KIND_PUT_FILE ->
          new OpenRequest.PutFile(
              path, (int) v.field(FieldTag.MODE).number(), v.field(FieldTag.MTIME).number(), user);
      case OpenRequest.KIND_GET -> new OpenRequest.Get(path, user);
      case OpenRequest.KIND_PUT_TAR -> new OpenRequest.PutTar(path, user);
      case OpenRequest.KIND_DIAL ->
          new OpenRequest.Dial(
              (int) v.field(FieldTag.PORT).number(), v.field(FieldTag.HOST).text());
      default -> throw new IllegalArgumentException(v + ": unknown kind " + kind);
    };
  }

  /** Decodes with the host's decoders and checks the values the vector lists. */
  private static void decodeAsHost(Vector v, byte[] payload) throws WireException {
    switch (v.type()) {
      case HELLO -> {
        AgentMessages.HelloReply r = AgentMessages.helloReply(payload);
        assertThat(r.nonce()).isEqualTo(v.field(FieldTag.NONCE).number());
        assertThat(r.agentVersion()).isEqualTo(v.field(FieldTag.AGENT_VERSION).text());
        assertThat(r.kernel()).isEqualTo(v.field(FieldTag.KERNEL).text());
        assertThat(r.bootTimeMillis()).isEqualTo(v.field(FieldTag.BOOT_TIME).number());
        assertThat(r.uptimeMillis()).isEqualTo(v.field(FieldTag.UPTIME).number());
        assertThat(r.hostname()).isEqualTo(v.field(FieldTag.HOSTNAME).text());
        assertThat(r.transport()).isEqualTo(v.field(FieldTag.TRANSPORT).text());
        assertThat(r.window()).isEqualTo(Protocol.INITIAL_WINDOW);
      }
      case PONG -> assertThat(AgentMessages.pong(payload)).isEqualTo(v.bytes("bytes"));
      case POWER_ACK -> assertThat(payload).isEmpty();
      case OPENED -> {
        AgentMessages.Opened o = AgentMessages.opened(payload);
        assertThat(o.kind()).isEqualTo((int) v.field(FieldTag.KIND).number());
        if (!v.fields(FieldTag.PID).isEmpty()) {
          assertThat(o.pid()).isEqualTo(v.field(FieldTag.PID).number());
        }
        if (!v.fields(FieldTag.SIZE).isEmpty()) {
          assertThat(o.size()).isEqualTo(v.field(FieldTag.SIZE).number());
          assertThat(o.mode()).isEqualTo((int) v.field(FieldTag.MODE).number());
          assertThat(o.mtimeMillis()).isEqualTo(v.field(FieldTag.MTIME).number());
          assertThat(o.fileType()).isEqualTo((int) v.field(FieldTag.FILE_TYPE).number());
        }
      }
      case DATA -> {
        AgentMessages.Data d = AgentMessages.data(payload);
        assertThat(d.stream()).isEqualTo((int) v.number("stream"));
        assertThat(d.bytes()).isEqualTo(v.bytes("bytes"));
      }
      case EOF -> assertThat(AgentMessages.eof(payload)).isEqualTo((int) v.number("stream"));
      case WINDOW -> assertThat(AgentMessages.window(payload)).isEqualTo(v.number("increment"));
      case EXIT -> {
        AgentMessages.Exit e = AgentMessages.exit(payload);
        assertThat(e.signaled()).isEqualTo(v.number("how") == 1);
        assertThat(e.value()).isEqualTo((int) v.number("value"));
      }
      case CLOSE -> {
        AgentMessages.Close c = AgentMessages.close(payload);
        assertThat(c.code()).isEqualTo((int) v.number("code"));
        assertThat(c.message()).isEqualTo(v.values().get("message"));
      }
      default -> throw new IllegalArgumentException(v + ": the agent never sends " + v.type());
    }
  }
}
