package dev.banger.cli.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 response read from the daemon socket: status, headers and a body stream that undoes
 * chunked transfer coding or stops at Content-Length. Not thread-safe.
 *
 * @param status the status code
 * @param headers header names in lower case to their values
 * @param body the body; read it to the end, then close the connection
 */
public record HttpResponse(int status, Map<String, String> headers, InputStream body) {

  /** Reads the status line and headers from {@code in}, leaving the body to be streamed. */
  static HttpResponse read(InputStream in) throws IOException {
    String statusLine = line(in);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP response from the daemon: '" + statusLine + "'");
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new HashMap<>();
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      if (colon > 0) {
        headers.put(
            h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
    }
    InputStream body;
    if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
      body = new ChunkedInputStream(in);
    } else if (headers.containsKey("content-length")) {
      body = new BoundedInputStream(in, Long.parseLong(headers.get("content-length")));
    } else {
      body = in;
    }
    return new HttpResponse(status, headers, body);
  }

  /** The whole body as text. */
  public String bodyText() throws IOException {
    return new String(body.readAllBytes(), StandardCharsets.UTF_8);
  }

  static String line(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        buf.write(c);
      }
    }
    if (c == -1 && buf.size() == 0) {
      throw new IOException("the daemon closed the connection without an answer");
    }
    return buf.toString(StandardCharsets.US_ASCII);
  }

  /** A body of known length. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long left;

    BoundedInputStream(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }

  /** A body in chunked transfer coding (RFC 9112, section 7.1). */
  private static final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private long chunkLeft;
    private boolean done;

    ChunkedInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (chunkLeft == 0) {
        String size = line(in);
        int semicolon = size.indexOf(';');
        chunkLeft = Long.parseLong(semicolon >= 0 ? size.substring(0, semicolon) : size.trim(), 16);
        if (chunkLeft == 0) {
          done = true;
          return -1;
        }
      }
      int n = in.read(b, off, (int) Math.min(len, chunkLeft));
      if (n < 0) {
        throw new IOException("the daemon closed the connection in the middle of a chunk");
      }
      chunkLeft -= n;
      if (chunkLeft == 0) {
        line(in);
      }
      return n;
    }
  }
}
