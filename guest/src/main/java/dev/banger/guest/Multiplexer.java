package dev.banger.guest;

import dev.banger.guest.transport.TransportConnection;
import dev.banger.guest.wire.AgentMessages;
import dev.banger.guest.wire.Frame;
import dev.banger.guest.wire.FrameCodec;
import dev.banger.guest.wire.FrameReader;
import dev.banger.guest.wire.FrameType;
import dev.banger.guest.wire.HostMessages;
import dev.banger.guest.wire.OpenRequest;
import dev.banger.guest.wire.Protocol;
import dev.banger.guest.wire.WireException;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to an agent: a reader thread that dispatches frames to channels and to pending
 * control requests, and a write lock that keeps frames whole. Everything the guest sends is
 * checked; a malformed frame closes its channel, never the connection. Thread-safe.
 */
final class Multiplexer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Multiplexer.class);
  // A HELLO is sent again until one is answered, in case one was lost (an agent restarting).
  // Not more often: over virtio serial QEMU holds what the host writes until the guest opens
  // the port, and the agent then reads, logs and answers every HELLO queued during the boot.
  private static final long HELLO_RESEND_MILLIS = 500;
  private static final int WRITE_BUFFER = Protocol.HEADER_SIZE + Protocol.MAX_PAYLOAD;

  private final TransportConnection conn;
  private final OutputStream out;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Map<Integer, Channel> channels = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<AgentMessages.HelloReply>> hellos =
      new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> pings = new ConcurrentHashMap<>();
  private final AtomicInteger nextChannel;
  private final SecureRandom random = new SecureRandom();
  private final GuestLog guestLog;
  private volatile CompletableFuture<Void> powerAck;
  private volatile AgentException failure;

  Multiplexer(TransportConnection conn) {
    this.conn = conn;
    this.out = new BufferedOutputStream(conn.output(), WRITE_BUFFER);
    this.guestLog = new GuestLog(LOG, conn.description());
    // Channel ids start at random so that frames left over from an earlier session on the
    // same serial port cannot be mistaken for this session's.
    this.nextChannel = new AtomicInteger(1 + random.nextInt(1 << 30));
    Thread.ofPlatform()
        .daemon()
        .name("banger-agent-reader " + conn.description())
        .start(this::readLoop);
  }

  String description() {
    return conn.description();
  }

  boolean isOpen() {
    return failure == null;
  }

  /**
   * Starts a session: sends HELLO, again every half second until an answer comes (the agent may not
   * be listening yet on a serial port that buffers what it is sent), and returns the first answer
   * to any of them.
   */
  AgentMessages.HelloReply hello(Duration timeout) throws AgentException, InterruptedException {
    CompletableFuture<AgentMessages.HelloReply> any = new CompletableFuture<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long nonce = random.nextLong();
        hellos.put(nonce, any);
        send(FrameType.HELLO, Protocol.CONTROL_CHANNEL, HostMessages.hello(nonce));
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AgentException(
              AgentException.Reason.TIMEOUT,
              "no HELLO answer from the agent over " + description() + " within " + timeout);
        }
        try {
          return any.get(Math.min(left, HELLO_RESEND_MILLIS), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          // send another HELLO
        } catch (ExecutionException e) {
          throw unwrap(e, "HELLO");
        }
      }
    } finally {
      hellos.values().removeIf(f -> f == any);
    }
  }

  /** Sends PING and waits for PONG; returns the round-trip time. */
  Duration ping(Duration timeout) throws AgentException, InterruptedException {
    byte[] token = new byte[8];
    random.nextBytes(token);
    String key = HexFormat.of().formatHex(token);
    CompletableFuture<Void> pong = new CompletableFuture<>();
    pings.put(key, pong);
    long start = System.nanoTime();
    try {
      send(FrameType.PING, Protocol.CONTROL_CHANNEL, token);
      await(pong, timeout, "PING");
      return Duration.ofNanos(System.nanoTime() - start);
    } finally {
      pings.remove(key);
    }
  }

  /**
   * Sends POWER and waits for the acknowledgement. The guest going away before the acknowledgement
   * arrives also counts: it may stop faster than its last frame travels.
   */
  void power(int action, Duration timeout) throws AgentException, InterruptedException {
    CompletableFuture<Void> ack = new CompletableFuture<>();
    powerAck = ack;
    String what = action == Protocol.POWER_OFF ? "power off" : "reboot";
    send(FrameType.POWER, Protocol.CONTROL_CHANNEL, HostMessages.power(action));
    try {
      await(ack, timeout, what);
    } catch (AgentException e) {
      if (e.reason() != AgentException.Reason.CONNECTION_LOST) {
        throw e;
      }
      LOG.debug("{}: the connection ended before the acknowledgement: {}", what, e.getMessage());
    }
  }

  /** Opens a channel and waits for OPENED; the agent's refusal becomes an exception. */
  Channel open(OpenRequest request, String purpose, Duration timeout)
      throws AgentException, InterruptedException {
    if (channels.size() >= Protocol.MAX_CHANNELS) {
      throw new AgentException(
          AgentException.Reason.LIMIT,
          purpose + ": " + Protocol.MAX_CHANNELS + " channels are open on " + description());
    }
    int id = allocateId();
    Channel ch = new Channel(this, id, purpose);
    channels.put(id, ch);
    AgentException lost = failure;
    if (lost != null) {
      channels.remove(id);
      throw lost;
    }
    try {
      send(FrameType.OPEN, id, request.encode());
      await(ch.opened(), timeout, purpose);
      return ch;
    } catch (AgentException | InterruptedException | RuntimeException e) {
      ch.abort("gave up waiting for OPENED");
      throw e;
    }
  }

  void forget(Channel ch) {
    channels.remove(ch.id(), ch);
  }

  /** Writes one frame. A failure to write ends the connection. */
  void send(FrameType type, int channel, byte[] payload) throws AgentException {
    AgentException lost = failure;
    if (lost != null) {
      throw lost;
    }
    byte[] header = new byte[Protocol.HEADER_SIZE];
    FrameCodec.writeHeader(header, 0, type.code(), channel, payload.length);
    writeLock.lock();
    try {
      out.write(header);
      out.write(payload);
      out.flush();
    } catch (IOException e) {
      throw fail(connectionLost(e));
    } finally {
      writeLock.unlock();
    }
  }

  /** Like {@link #send}, for frames whose loss does not matter once the connection is gone. */
  void sendQuietly(FrameType type, int channel, byte[] payload) {
    try {
      send(type, channel, payload);
    } catch (AgentException e) {
      LOG.debug("{} frame for channel {} not sent: {}", type, channel, e.getMessage());
    }
  }

  @Override
  public void close() {
    fail(
        new AgentException(
            AgentException.Reason.CONNECTION_LOST,
            "the connection to the agent over " + description() + " was closed by the host"));
  }

  // ---- the reader thread ----

  private void readLoop() {
    FrameReader frames = new FrameReader(conn.input(), this::refused);
    long skipped = 0;
    try {
      while (failure == null) {
        Frame f = frames.next();
        if (frames.skippedBytes() != skipped) {
          guestLog.warn("skipped {} bytes that are not frames", frames.skippedBytes() - skipped);
          skipped = frames.skippedBytes();
        }
        dispatch(f);
      }
    } catch (EOFException e) {
      fail(
          new AgentException(
              AgentException.Reason.CONNECTION_LOST,
              "the agent closed the connection over "
                  + description()
                  + " (VM stopped or agent"
                  + " restarted)",
              e));
    } catch (IOException | RuntimeException e) {
      fail(connectionLost(e));
    }
  }

  private void dispatch(Frame f) {
    if (f.channel() == Protocol.CONTROL_CHANNEL) {
      control(f);
      return;
    }
    Channel ch = channels.get(f.channel());
    if (ch == null) {
      LOG.debug(
          "frame 0x{} for channel {} which is not open",
          Integer.toHexString(f.type()),
          f.channel());
      return;
    }
    try {
      onChannelFrame(ch, f);
    } catch (WireException e) {
      protocolError(ch, e.getMessage());
    }
  }

  private void onChannelFrame(Channel ch, Frame f) throws WireException {
    FrameType type = f.frameType().orElse(FrameType.PING);
    switch (type) {
      case OPENED -> ch.onOpened(AgentMessages.opened(f.payload()));
      case DATA -> ch.onData(AgentMessages.data(f.payload()));
      case EOF -> ch.onEof(AgentMessages.eof(f.payload()));
      case WINDOW -> ch.onWindow(AgentMessages.window(f.payload()));
      case EXIT -> ch.onExit(AgentMessages.exit(f.payload()));
      case CLOSE -> {
        AgentMessages.Close c = AgentMessages.close(f.payload());
        channels.remove(ch.id(), ch);
        ch.onClose(c);
      }
      default ->
          throw new WireException(
              "frame type 0x"
                  + Integer.toHexString(f.type())
                  + " is not one the agent sends"
                  + " on a channel");
    }
  }

  private void protocolError(Channel ch, String why) {
    guestLog.warn(
        "closing channel " + ch.id() + " ({}) on a malformed frame: " + why, ch.purpose());
    channels.remove(ch.id(), ch);
    sendQuietly(FrameType.CLOSE, ch.id(), HostMessages.close(1, why));
    ch.onFailure(
        new AgentException(
            AgentException.Reason.PROTOCOL,
            ch.purpose() + ": the agent over " + description() + " broke the protocol: " + why));
  }

  private void control(Frame f) {
    try {
      switch (f.frameType().orElse(FrameType.OPEN)) {
        case HELLO -> {
          AgentMessages.HelloReply reply = AgentMessages.helloReply(f.payload());
          CompletableFuture<AgentMessages.HelloReply> waiting = hellos.remove(reply.nonce());
          if (waiting != null) {
            waiting.complete(reply);
          }
        }
        case PONG -> {
          CompletableFuture<Void> waiting =
              pings.remove(HexFormat.of().formatHex(AgentMessages.pong(f.payload())));
          if (waiting != null) {
            waiting.complete(null);
          }
        }
        case POWER_ACK -> {
          CompletableFuture<Void> waiting = powerAck;
          if (waiting != null) {
            waiting.complete(null);
          }
        }
        case CLOSE -> controlRefused(AgentMessages.close(f.payload()));
        default ->
            guestLog.warn(
                "unexpected frame type 0x{} on the control channel", Integer.toHexString(f.type()));
      }
    } catch (WireException e) {
      guestLog.warn("malformed control frame: {}", e.getMessage());
    }
  }

  /**
   * CLOSE on the control channel: the agent refused a control request. Of what the host sends, only
   * POWER can be refused (HELLO and PING are always well-formed), so the pending POWER request gets
   * the refusal; anything else is logged.
   */
  private void controlRefused(AgentMessages.Close c) {
    AgentException e =
        new AgentException(
            AgentException.fromCloseCode(c.code()),
            "the agent over " + description() + " refused a request: " + c.message());
    CompletableFuture<Void> waiting = powerAck;
    if (waiting != null && waiting.completeExceptionally(e)) {
      return;
    }
    guestLog.warn("the agent refused a control frame: {}", c.message());
  }

  private void refused(FrameReader.Refusal r) {
    String why =
        switch (r) {
          case FrameReader.Refusal.Oversize o -> "frame of " + o.length() + " bytes is too large";
          case FrameReader.Refusal.OtherVersion v -> "protocol version " + v.version();
        };
    int channel =
        switch (r) {
          case FrameReader.Refusal.Oversize o -> o.channel();
          case FrameReader.Refusal.OtherVersion v -> v.channel();
        };
    Channel ch = channels.get(channel);
    if (ch != null) {
      protocolError(ch, why);
    } else {
      guestLog.warn("refused a frame for channel " + channel + ": {}", why);
    }
  }

  // ---- failure ----

  private AgentException connectionLost(Exception cause) {
    return new AgentException(
        AgentException.Reason.CONNECTION_LOST,
        "the connection to the agent over " + description() + " failed: " + cause.getMessage(),
        cause);
  }

  /** Ends the connection once; every channel and pending request gets {@code e}. */
  private AgentException fail(AgentException e) {
    synchronized (this) {
      if (failure != null) {
        return failure;
      }
      failure = e;
    }
    conn.close();
    channels.values().forEach(ch -> ch.onFailure(e));
    channels.clear();
    hellos.values().forEach(h -> h.completeExceptionally(e));
    pings.values().forEach(p -> p.completeExceptionally(e));
    CompletableFuture<Void> waiting = powerAck;
    if (waiting != null) {
      waiting.completeExceptionally(e);
    }
    LOG.info("agent connection {} ended: {}", description(), e.getMessage());
    return e;
  }

  private int allocateId() {
    for (; ; ) {
      int id = nextChannel.getAndIncrement() & 0x7FFFFFFF;
      if (id != Protocol.CONTROL_CHANNEL && !channels.containsKey(id)) {
        return id;
      }
    }
  }

  private static <T> T await(CompletableFuture<T> f, Duration timeout, String what)
      throws AgentException, InterruptedException {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AgentException(
          AgentException.Reason.TIMEOUT, what + ": no answer from the agent within " + timeout, e);
    } catch (ExecutionException e) {
      throw unwrap(e, what);
    }
  }

  static AgentException unwrap(ExecutionException e, String what) {
    if (e.getCause() instanceof AgentException a) {
      return a;
    }
    return new AgentException(AgentException.Reason.IO, what + " failed", e.getCause());
  }
}
