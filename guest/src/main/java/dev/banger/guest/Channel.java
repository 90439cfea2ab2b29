package dev.banger.guest;

import dev.banger.guest.wire.AgentMessages;
import dev.banger.guest.wire.FrameType;
import dev.banger.guest.wire.HostMessages;
import dev.banger.guest.wire.Protocol;
import dev.banger.guest.wire.WireException;
import java.util.concurrent.CompletableFuture;

/**
 * One channel of a connection: its three streams, and futures for OPENED, EXIT and CLOSE. Frames
 * for it arrive on the connection's reader thread; application threads read, write and wait.
 * Thread-safe.
 */
final class Channel {
  private final Multiplexer mux;
  private final int id;
  private final String purpose;
  private final ChannelInput stdout;
  private final ChannelInput stderr;
  private final ChannelOutput stdin;
  private final CompletableFuture<AgentMessages.Opened> opened = new CompletableFuture<>();
  private final CompletableFuture<AgentMessages.Exit> exit = new CompletableFuture<>();
  private final CompletableFuture<AgentMessages.Close> closed = new CompletableFuture<>();
  private volatile boolean ended;

  Channel(Multiplexer mux, int id, String purpose) {
    this.mux = mux;
    this.id = id;
    this.purpose = purpose;
    this.stdout = new ChannelInput(this, Protocol.STREAM_OUT);
    this.stderr = new ChannelInput(this, Protocol.STREAM_ERR);
    this.stdin = new ChannelOutput(this);
  }

  int id() {
    return id;
  }

  /** What the channel is for, as messages name it ("exec \"sh\"", "get /etc/hostname"). */
  String purpose() {
    return purpose;
  }

  String transport() {
    return mux.description();
  }

  ChannelInput stdout() {
    return stdout;
  }

  ChannelInput stderr() {
    return stderr;
  }

  ChannelOutput stdin() {
    return stdin;
  }

  CompletableFuture<AgentMessages.Opened> opened() {
    return opened;
  }

  CompletableFuture<AgentMessages.Exit> exit() {
    return exit;
  }

  /** Completes with the agent's CLOSE, or exceptionally when the connection is lost. */
  CompletableFuture<AgentMessages.Close> closed() {
    return closed;
  }

  boolean ended() {
    return ended;
  }

  // ---- from the reader thread ----

  void onOpened(AgentMessages.Opened o) throws WireException {
    if (!opened.complete(o)) {
      throw new WireException("second OPENED");
    }
  }

  void onData(AgentMessages.Data d) throws WireException {
    requireOpened("DATA");
    (d.stream() == Protocol.STREAM_OUT ? stdout : stderr).offer(d.bytes());
  }

  void onEof(int stream) throws WireException {
    requireOpened("EOF");
    (stream == Protocol.STREAM_OUT ? stdout : stderr).finish();
  }

  void onWindow(int increment) throws WireException {
    stdin.onWindow(increment);
  }

  void onExit(AgentMessages.Exit e) throws WireException {
    requireOpened("EXIT");
    if (!exit.complete(e)) {
      throw new WireException("second EXIT");
    }
  }

  void onClose(AgentMessages.Close c) {
    ended = true;
    if (c.code() != 0) {
      AgentException failure = failureOf(c);
      opened.completeExceptionally(failure);
      exit.completeExceptionally(failure);
      stdout.fail(failure);
      stderr.fail(failure);
      stdin.fail(failure);
    } else {
      AgentException done =
          new AgentException(AgentException.Reason.ABORTED, purpose + " has finished");
      opened.completeExceptionally(done);
      exit.completeExceptionally(done);
      stdout.endAtClose(incomplete("ended before its output did"));
      stderr.endAtClose(incomplete("ended before its error output did"));
      stdin.fail(done);
    }
    closed.complete(c);
  }

  /** The connection is gone, or this side gave up on the channel. */
  void onFailure(AgentException e) {
    ended = true;
    opened.completeExceptionally(e);
    exit.completeExceptionally(e);
    closed.completeExceptionally(e);
    stdout.fail(e);
    stderr.fail(e);
    stdin.fail(e);
  }

  // ---- from application threads ----

  void sendData(byte[] b, int off, int len) throws AgentException {
    mux.send(FrameType.DATA, id, HostMessages.data(Protocol.STREAM_IN, b, off, len));
  }

  void sendEof() throws AgentException {
    if (!ended) {
      mux.send(FrameType.EOF, id, HostMessages.eof(Protocol.STREAM_IN));
    }
  }

  /** Grants window for bytes consumed; the connection may be gone, which is not an error. */
  void grant(int stream, int bytes) {
    if (!ended) {
      mux.sendQuietly(FrameType.WINDOW, id, HostMessages.window(stream, bytes));
    }
  }

  void resize(int rows, int cols) throws AgentException {
    if (!ended) {
      mux.send(FrameType.RESIZE, id, HostMessages.resize(rows, cols));
    }
  }

  void signal(int signo) throws AgentException {
    if (!ended) {
      mux.send(FrameType.SIGNAL, id, HostMessages.signal(signo));
    }
  }

  /** Gives up on the channel: the agent kills what runs behind it. Idempotent. */
  void abort(String why) {
    if (ended) {
      return;
    }
    mux.sendQuietly(FrameType.CLOSE, id, HostMessages.close(9, why));
    mux.forget(this);
    onFailure(new AgentException(AgentException.Reason.ABORTED, purpose + ": " + why));
  }

  AgentException failureOf(AgentMessages.Close c) {
    return new AgentException(
        AgentException.fromCloseCode(c.code()),
        purpose
            + " failed in the guest: "
            + (c.message().isEmpty() ? "code " + c.code() : c.message()));
  }

  private AgentException incomplete(String what) {
    return new AgentException(AgentException.Reason.PROTOCOL, purpose + " " + what);
  }

  private void requireOpened(String what) throws WireException {
    if (!opened.isDone()) {
      throw new WireException(what + " before OPENED");
    }
  }
}
