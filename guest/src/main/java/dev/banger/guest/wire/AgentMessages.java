package dev.banger.guest.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Decoders of the payloads the agent sends. The guest is untrusted: every decoder checks sizes and
 * ranges and throws {@link WireException} naming the rule that was broken. Stateless and
 * thread-safe.
 */
public final class AgentMessages {
  private AgentMessages() {}

  /**
   * The agent's answer to HELLO.
   *
   * @param nonce the nonce of the HELLO it answers
   * @param agentVersion the agent's version
   * @param kernel kernel name, release and machine
   * @param bootTimeMillis wall-clock time the guest booted, ms since the epoch
   * @param uptimeMillis time since boot when the agent answered
   * @param hostname the guest's hostname
   * @param transport the transport the agent answered on
   * @param maxPayload the agent's frame payload limit
   * @param window the agent's initial flow-control window
   */
  public record HelloReply(
      long nonce,
      String agentVersion,
      String kernel,
      long bootTimeMillis,
      long uptimeMillis,
      String hostname,
      String transport,
      long maxPayload,
      long window) {}

  /**
   * OPENED: the channel is ready. Which fields are meaningful depends on the kind.
   *
   * @param kind the OPEN kind
   * @param pid process id (EXEC), or -1
   * @param fileType 1 regular file, 2 directory (GET), or 0
   * @param size file size in bytes (GET of a file)
   * @param mode permission bits (GET)
   * @param mtimeMillis modification time (GET), ms since the epoch
   */
  public record Opened(int kind, long pid, int fileType, long size, int mode, long mtimeMillis) {}

  /**
   * DATA from the agent.
   *
   * @param stream 1 (stdout, download) or 2 (stderr)
   * @param bytes the bytes
   */
  public record Data(int stream, byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Data d && d.stream == stream && Arrays.equals(d.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return 31 * stream + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Data[stream=" + stream + ", " + bytes.length + " bytes]";
    }
  }

  /**
   * EXIT of a command.
   *
   * @param signaled whether a signal ended it
   * @param value the exit status, or the signal number
   */
  public record Exit(boolean signaled, int value) {}

  /**
   * CLOSE: the end of a channel.
   *
   * @param code 0 for success, otherwise what went wrong
   * @param message what was tried, on what, and why; empty on success
   */
  public record Close(int code, String message) {}

  /** HELLO reply; NONCE is required, other fields default to empty or 0. */
  public static HelloReply helloReply(byte[] payload) throws WireException {
    Long nonce = null;
    String version = "";
    String kernel = "";
    String hostname = "";
    String transport = "";
    long boot = 0;
    long uptime = 0;
    long maxPayload = 0;
    long window = 0;
    for (Fields.Field f : Fields.parse(payload)) {
      switch (FieldTag.of(f.tag()).orElse(FieldTag.KIND)) {
        case NONCE -> nonce = f.unsigned(8);
        case AGENT_VERSION -> version = f.text();
        case KERNEL -> kernel = f.text();
        case BOOT_TIME -> boot = f.unsigned(8);
        case UPTIME -> uptime = f.unsigned(8);
        case HOSTNAME -> hostname = f.text();
        case TRANSPORT -> transport = f.text();
        case MAX_PAYLOAD -> maxPayload = f.unsigned(4);
        case WINDOW -> window = f.unsigned(4);
        default -> {
          // other tags are for later versions
        }
      }
    }
    if (nonce == null) {
      throw new WireException("HELLO reply without NONCE");
    }
    return new HelloReply(
        nonce, version, kernel, boot, uptime, hostname, transport, maxPayload, window);
  }

  /** OPENED; KIND is required. */
  public static Opened opened(byte[] payload) throws WireException {
    List<Fields.Field> fields = Fields.parse(payload);
    int kind = -1;
    long pid = -1;
    int fileType = 0;
    long size = 0;
    int mode = 0;
    long mtime = 0;
    for (Fields.Field f : fields) {
      switch (FieldTag.of(f.tag()).orElse(FieldTag.NONCE)) {
        case KIND -> kind = (int) f.unsigned(1);
        case PID -> pid = f.unsigned(4);
        case FILE_TYPE -> fileType = (int) f.unsigned(1);
        case SIZE -> size = f.unsigned(8);
        case MODE -> mode = (int) (f.unsigned(4) & 07777);
        case MTIME -> mtime = f.unsigned(8);
        default -> {
          // other tags are for later versions
        }
      }
    }
    if (kind < 0) {
      throw new WireException("OPENED without KIND");
    }
    if (size < 0) {
      throw new WireException("OPENED with a SIZE above 2^63");
    }
    return new Opened(kind, pid, fileType, size, mode, mtime);
  }

  /** DATA; the agent only sends on streams 1 and 2. */
  public static Data data(byte[] payload) throws WireException {
    if (payload.length < 1) {
      throw new WireException("DATA without stream byte");
    }
    int stream = outputStream(payload[0], "DATA");
    return new Data(stream, Arrays.copyOfRange(payload, 1, payload.length));
  }

  /** EOF; the agent only ends streams 1 and 2. */
  public static int eof(byte[] payload) throws WireException {
    if (payload.length != 1) {
      throw new WireException("EOF payload is not 1 byte");
    }
    return outputStream(payload[0], "EOF");
  }

  /** WINDOW from the agent: more room on stream 0, 1 to {@link Protocol#INITIAL_WINDOW}. */
  public static int window(byte[] payload) throws WireException {
    if (payload.length != 5) {
      throw new WireException("WINDOW payload is not 5 bytes");
    }
    if (payload[0] != Protocol.STREAM_IN) {
      throw new WireException("the agent grants WINDOW only for stream 0");
    }
    long increment = FrameCodec.getInt(payload, 1) & 0xFFFFFFFFL;
    if (increment == 0 || increment > Protocol.INITIAL_WINDOW) {
      throw new WireException("WINDOW increment out of range: " + increment);
    }
    return (int) increment;
  }

  /** EXIT: how (0 exited, 1 signal) and the value. */
  public static Exit exit(byte[] payload) throws WireException {
    if (payload.length != 5) {
      throw new WireException("EXIT payload is not 5 bytes");
    }
    if (payload[0] != 0 && payload[0] != 1) {
      throw new WireException("EXIT with unknown kind " + payload[0]);
    }
    return new Exit(payload[0] == 1, FrameCodec.getInt(payload, 1));
  }

  /** CLOSE: a code and at most {@link Protocol#MAX_CLOSE_MESSAGE} bytes of message. */
  public static Close close(byte[] payload) throws WireException {
    if (payload.length < 2) {
      throw new WireException("CLOSE payload shorter than 2 bytes");
    }
    if (payload.length - 2 > Protocol.MAX_CLOSE_MESSAGE) {
      throw new WireException("CLOSE message longer than " + Protocol.MAX_CLOSE_MESSAGE);
    }
    int code = ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    String message = new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    return new Close(code, message);
  }

  /** PONG: the echo of a PING payload. */
  public static byte[] pong(byte[] payload) throws WireException {
    if (payload.length > Protocol.MAX_PING) {
      throw new WireException("PONG longer than " + Protocol.MAX_PING);
    }
    return payload;
  }

  private static int outputStream(byte b, String what) throws WireException {
    if (b != Protocol.STREAM_OUT && b != Protocol.STREAM_ERR) {
      throw new WireException(what + " from the agent on stream " + (b & 0xFF));
    }
    return b;
  }
}
