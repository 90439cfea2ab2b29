package dev.banger.guest;

import dev.banger.guest.wire.AgentMessages;
import dev.banger.guest.wire.FieldTag;
import dev.banger.guest.wire.Fields;
import dev.banger.guest.wire.Frame;
import dev.banger.guest.wire.FrameCodec;
import dev.banger.guest.wire.FrameReader;
import dev.banger.guest.wire.FrameType;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A misbehaving guest: a Unix socket server that answers HELLO and PING as the protocol says and
 * hands every other frame to a script that may answer anything. It stands in for a compromised or
 * buggy guest, which the real agent cannot be made into.
 */
final class FakeAgent implements AutoCloseable {
  /** What the fake does with a frame other than HELLO and PING. */
  @FunctionalInterface
  interface Script {
    void onFrame(Frame frame, OutputStream out) throws IOException;
  }

  private final ServerSocketChannel server;
  private final Path socket;
  private final Script script;
  final CopyOnWriteArrayList<Frame> received = new CopyOnWriteArrayList<>();

  FakeAgent(Path socket, Script script) throws IOException {
    this.socket = socket;
    this.script = script;
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread.ofVirtual().start(this::serve);
  }

  AgentTransport transport() {
    return AgentTransport.unixSocket(socket);
  }

  static byte[] frame(FrameType type, int channel, byte[] payload) {
    return FrameCodec.encode(type.code(), channel, payload, 0, payload.length);
  }

  private void serve() {
    while (server.isOpen()) {
      try (SocketChannel ch = server.accept()) {
        FrameReader reader = new FrameReader(Channels.newInputStream(ch), r -> {});
        OutputStream out = Channels.newOutputStream(ch);
        while (true) {
          Frame f = reader.next();
          received.add(f);
          if (f.is(FrameType.HELLO)) {
            long nonce = Fields.parse(f.payload()).getFirst().unsigned(8);
            out.write(
                frame(
                    FrameType.HELLO,
                    0,
                    new Fields.Writer()
                        .u64(FieldTag.NONCE, nonce)
                        .text(FieldTag.TRANSPORT, "fake")
                        .toBytes()));
          } else if (f.is(FrameType.PING)) {
            out.write(frame(FrameType.PONG, 0, f.payload()));
          } else {
            script.onFrame(f, out);
          }
        }
      } catch (IOException e) {
        // the client went away, or the server was closed
      }
    }
  }

  /** The CLOSE frames the client sent, decoded. */
  java.util.List<AgentMessages.Close> closesFromClient() {
    return received.stream()
        .filter(f -> f.is(FrameType.CLOSE))
        .map(
            f -> {
              try {
                return AgentMessages.close(f.payload());
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            })
        .toList();
  }

  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(socket);
  }
}
