package dev.banger.daemon.http;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One API route: a method, a path template with {@code {name}} segments, and its handler. A duplex
 * route reads its request body as a stream while it writes its answer (exec).
 *
 * @param method the HTTP method
 * @param template the path template, e.g. {@code /v1/vms/{vm}}
 * @param handler what answers it, for ordinary routes
 * @param duplex what answers it, for duplex routes; null otherwise
 */
public record Route(String method, String template, RouteHandler handler, DuplexHandler duplex) {

  /** An ordinary route: the body is read whole before the handler runs. */
  public Route(String method, String template, RouteHandler handler) {
    this(method, template, handler, null);
  }

  /** A duplex route. */
  public static Route duplex(String method, String template, DuplexHandler duplex) {
    return new Route(method, template, null, duplex);
  }

  /** The path parameters when {@code path} matches this template. */
  public Optional<Map<String, String>> match(String path) {
    List<String> want = List.of(template.split("/"));
    List<String> got = List.of(path.split("/"));
    if (want.size() != got.size()) {
      return Optional.empty();
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < want.size(); i++) {
      String w = want.get(i);
      if (w.startsWith("{") && w.endsWith("}")) {
        if (got.get(i).isEmpty()) {
          return Optional.empty();
        }
        params.put(w.substring(1, w.length() - 1), decode(got.get(i)));
      } else if (!w.equals(got.get(i))) {
        return Optional.empty();
      }
    }
    return Optional.of(params);
  }

  private static String decode(String segment) {
    return java.net.URLDecoder.decode(segment, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Answers a request whose body is read as it arrives, writing the answer meanwhile. */
  @FunctionalInterface
  public interface DuplexHandler {
    /** Handles the request; {@code body} streams the request, {@code out} the answer. */
    void handle(ApiRequest request, java.io.InputStream body, java.io.OutputStream out)
        throws Exception;
  }

  /** Answers a request with a value that is written as JSON, or a {@link Streaming} body. */
  @FunctionalInterface
  public interface RouteHandler {
    /** Handles {@code request}; throws {@link ApiException} for API errors. */
    Object handle(ApiRequest request) throws Exception;
  }
}
