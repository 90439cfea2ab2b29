package dev.banger.download;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A real local HTTP server whose behaviour each test scripts. */
final class TestHttpServer implements AutoCloseable {

  /** What the server does for request number {@code n} (1-based). */
  @FunctionalInterface
  interface Behaviour {
    void respond(HttpExchange exchange, int n) throws IOException;
  }

  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private final List<String> ranges = new CopyOnWriteArrayList<>();

  TestHttpServer(Behaviour behaviour) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    HttpHandler handler =
        exchange -> {
          int n = requests.incrementAndGet();
          String range = exchange.getRequestHeaders().getFirst("Range");
          ranges.add(range == null ? "" : range);
          behaviour.respond(exchange, n);
        };
    server.createContext("/", handler);
    server.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  int requests() {
    return requests.get();
  }

  List<String> ranges() {
    return ranges;
  }

  /** Serves {@code content} in full, or from the requested offset when {@code ranges} is true. */
  static void serve(HttpExchange exchange, byte[] content, boolean ranges) throws IOException {
    String range = exchange.getRequestHeaders().getFirst("Range");
    int start = 0;
    if (ranges && range != null && range.startsWith("bytes=")) {
      start = Integer.parseInt(range.substring(6, range.indexOf('-')));
      exchange
          .getResponseHeaders()
          .add(
              "Content-Range",
              "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
      exchange.getResponseHeaders().add("ETag", "\"v1\"");
      exchange.sendResponseHeaders(206, content.length - start);
    } else {
      exchange.getResponseHeaders().add("ETag", "\"v1\"");
      exchange.sendResponseHeaders(200, content.length);
    }
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(content, start, content.length - start);
    }
  }

  /** Announces all of {@code content}, sends {@code sent} bytes, then drops the connection. */
  static void cut(HttpExchange exchange, byte[] content, int sent) throws IOException {
    exchange.sendResponseHeaders(200, content.length);
    OutputStream out = exchange.getResponseBody();
    out.write(content, 0, sent);
    out.flush();
    // Throwing makes the server close the socket without finishing the response.
    throw new IOException("test server drops the connection on purpose");
  }

  static void status(HttpExchange exchange, int status) throws IOException {
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
