package dev.banger.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpResponseTest {
  private static HttpResponse parse(String raw) throws IOException {
    return HttpResponse.read(new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void contentLengthBodyStopsAtItsLength() throws IOException {
    HttpResponse r = parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]trailing");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).isEqualTo("[]");
  }

  @Test
  void chunkedBodyIsDecoded() throws IOException {
    HttpResponse r =
        parse(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n");

    assertThat(r.bodyText()).isEqualTo("{\"a\":1}");
  }

  @Test
  void bodyWithoutLengthRunsToTheEnd() throws IOException {
    assertThat(parse("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nline1\nline2\n").bodyText())
        .isEqualTo("line1\nline2\n");
  }

  @Test
  void garbageIsNotTakenForAResponse() {
    assertThatThrownBy(() -> parse("SSH-2.0-OpenSSH_9.2\r\n\r\n"))
        .hasMessageContaining("not an HTTP response");
    assertThatThrownBy(() -> parse("")).hasMessageContaining("closed the connection");
  }

  @Test
  void truncatedChunkIsAnError() {
    assertThatThrownBy(
            () ->
                parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + "10\r\nshort")
                    .bodyText())
        .hasMessageContaining("middle of a chunk");
  }
}
