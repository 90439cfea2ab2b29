package dev.banger.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.api.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Jetty on a real Unix socket, spoken to with raw HTTP/1.1. */
class ApiServerTest {
  record Greeting(String text) {}

  private static String exchange(Path socket, String request) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      InputStream in = Channels.newInputStream(ch);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  private static String get(Path socket, String path) throws IOException {
    return exchange(socket, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }

  @Test
  void routesAnswerJsonAndTemplatesBindParameters(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("api.sock");
    List<Route> routes =
        List.of(
            new Route("GET", "/v1/hello/{name}", r -> new Greeting("hello " + r.param("name"))),
            new Route("POST", "/v1/echo", r -> Map.of("got", r.body())));
    try (ApiServer server = ApiServer.start(socket, routes)) {
      assertThat(get(socket, "/v1/hello/otter"))
          .startsWith("HTTP/1.1 200")
          .contains("application/json")
          .endsWith("{\"text\":\"hello otter\"}");
      String body = "{\"a\":1}";
      assertThat(
              exchange(
                  socket,
                  "POST /v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      + "Content-Length: "
                      + body.length()
                      + "\r\n\r\n"
                      + body))
          .contains("{\"got\":\"{\\\"a\\\":1}\"}");
    }
  }

  @Test
  void unknownRouteIsAJsonErrorWithAStableCode(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("api.sock");
    try (ApiServer server = ApiServer.start(socket, List.of())) {
      assertThat(get(socket, "/v1/nope"))
          .startsWith("HTTP/1.1 404")
          .contains("\"code\":\"NO_SUCH_ROUTE\"")
          .contains("no route GET /v1/nope");
    }
  }

  @Test
  void apiExceptionsKeepTheirCodeAndOtherFailuresAreInternal(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("api.sock");
    List<Route> routes =
        List.of(
            new Route(
                "GET",
                "/v1/busy",
                r -> {
                  throw new ApiException(ErrorCode.CONFLICT, "VM 'web' is running");
                }),
            new Route(
                "GET",
                "/v1/boom",
                r -> {
                  throw new IllegalStateException("disk /x vanished");
                }));
    try (ApiServer server = ApiServer.start(socket, routes)) {
      assertThat(get(socket, "/v1/busy"))
          .startsWith("HTTP/1.1 409")
          .contains("{\"code\":\"CONFLICT\",\"message\":\"VM 'web' is running\"}");
      assertThat(get(socket, "/v1/boom"))
          .startsWith("HTTP/1.1 500")
          .contains("\"code\":\"INTERNAL\"")
          .contains("disk /x vanished");
    }
  }

  @Test
  void streamedLinesReachTheClientBeforeTheStreamEnds(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("api.sock");
    java.util.concurrent.CountDownLatch firstLineRead = new java.util.concurrent.CountDownLatch(1);
    Streaming lines =
        out -> {
          out.write("{\"n\":0}\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          if (!firstLineRead.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IOException("the client never saw the first line");
          }
          out.write("{\"n\":1}\n".getBytes(StandardCharsets.UTF_8));
        };
    try (ApiServer server =
            ApiServer.start(socket, List.of(new Route("GET", "/v1/s", r -> lines)));
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(
          ByteBuffer.wrap(
              "GET /v1/s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII)));
      java.io.BufferedReader reader =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
      String line;
      do {
        line = reader.readLine();
      } while (line != null && !line.contains("\"n\":0"));
      assertThat(line).contains("{\"n\":0}");
      firstLineRead.countDown();
      String rest = reader.lines().collect(java.util.stream.Collectors.joining("\n"));
      assertThat(rest).contains("{\"n\":1}");
    }
  }

  @Test
  void socketIsOwnerOnlyAndAStaleSocketFileIsReplaced(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("api.sock");
    Files.writeString(socket, "stale");
    try (ApiServer server = ApiServer.start(socket, List.of())) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
          .isEqualTo("rw-------");
      assertThat(get(socket, "/v1/x")).startsWith("HTTP/1.1 404");
    }
  }
}
