package dev.banger.cli.client;

import dev.banger.api.Locations;
import dev.banger.cli.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Talks HTTP/1.1 to the daemon over its Unix socket with the JDK's own {@link SocketChannel}: one
 * connection per request, {@code Connection: close}. A full HTTP client library costs hundreds of
 * milliseconds of start-up per CLI call, more than the whole request (HOST-FACTS). Starts the
 * daemon on first use through {@link DaemonLauncher}. Not thread-safe.
 */
public final class DaemonClient {
  private final Locations locations;
  private final DaemonLauncher launcher;

  /** A client for the daemon of {@code locations}, starting it with {@code launcher}. */
  public DaemonClient(Locations locations, DaemonLauncher launcher) {
    this.locations = locations;
    this.launcher = launcher;
  }

  /** The locations this client uses. */
  public Locations locations() {
    return locations;
  }

  /** GETs {@code path} and parses the JSON answer. */
  public Json get(String path) {
    return json(send("GET", path, null));
  }

  /** POSTs {@code body} (any value Jackson can write, or null) and parses the answer. */
  public Json post(String path, Object body) {
    return json(send("POST", path, body));
  }

  /** DELETEs {@code path} and parses the answer. */
  public Json delete(String path) {
    return json(send("DELETE", path, null));
  }

  /** Sends a request and returns the open response; the caller reads and closes its body. */
  public HttpResponse send(String method, String path, Object body) {
    SocketChannel channel = connect();
    try {
      byte[] payload = body == null ? new byte[0] : Json.bytes(body);
      String head =
          method
              + " "
              + path
              + " HTTP/1.1\r\nHost: bangerd\r\nConnection: close\r\n"
              + "Content-Type: application/json\r\nContent-Length: "
              + payload.length
              + "\r\n\r\n";
      OutputStream out = Channels.newOutputStream(channel);
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(payload);
      out.flush();
      InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(channel), 8192);
      HttpResponse response = HttpResponse.read(in);
      if (response.status() >= 400) {
        throw error(response);
      }
      return response;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new DaemonException(
          "UNREACHABLE",
          "lost the connection to bangerd at "
              + locations.socket()
              + ": "
              + e.getMessage()
              + " (daemon log: "
              + locations.logFile()
              + ")",
          e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /** Opens a full-duplex request (see {@link ExecStream}). */
  public ExecStream duplex(String path) {
    SocketChannel channel = connect();
    try {
      return new ExecStream(channel, path);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new DaemonException(
          "UNREACHABLE", "lost the connection to bangerd: " + e.getMessage(), e);
    }
  }

  /** Connects, starting the daemon when nothing listens on the socket. */
  private SocketChannel connect() {
    try {
      return open();
    } catch (IOException first) {
      launcher.start(locations, this::canConnect);
      try {
        return open();
      } catch (IOException e) {
        throw new DaemonException(
            "UNREACHABLE",
            "bangerd started but its socket "
                + locations.socket()
                + " refuses connections: "
                + e.getMessage()
                + " (daemon log: "
                + locations.logFile()
                + ")",
            e);
      }
    }
  }

  /** Whether the daemon answers on its socket now, without starting it. */
  public boolean canConnect() {
    try (SocketChannel c = open()) {
      return c.isConnected();
    } catch (IOException e) {
      return false;
    }
  }

  private SocketChannel open() throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(locations.socket()));
      return channel;
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  private static Json json(HttpResponse response) {
    try (InputStream body = response.body()) {
      byte[] bytes = body.readAllBytes();
      return bytes.length == 0 ? Json.MISSING : Json.parse(bytes);
    } catch (IOException e) {
      throw new DaemonException(
          "UNREACHABLE", "reading the daemon's answer failed: " + e.getMessage(), e);
    }
  }

  private static DaemonException error(HttpResponse response) throws IOException {
    String text = response.bodyText();
    try {
      Json node = Json.parse(text);
      return new DaemonException(
          node.path("code").asString("INTERNAL"), node.path("message").asString(text));
    } catch (IllegalArgumentException e) {
      return new DaemonException("INTERNAL", "daemon answered " + response.status() + ": " + text);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing a broken connection can fail; the error being reported is the useful one.
    }
  }
}
