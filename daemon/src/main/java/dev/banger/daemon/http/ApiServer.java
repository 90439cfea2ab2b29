package dev.banger.daemon.http;

import dev.banger.api.ErrorBody;
import dev.banger.api.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's HTTP/1.1 server on a Unix socket (Jetty core handlers, no servlets). It routes each
 * request to a {@link Route}, writes the result as JSON, and turns failures into {@link ErrorBody}
 * answers with a stable code. The socket is made owner-only ({@code 0600}) before the server
 * accepts anything: the runtime directory is {@code 0700} while it is created.
 *
 * <p>Thread-safe: Jetty calls handlers on its pool; routes are immutable.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

  private final Server server;
  private final List<Route> routes;

  private ApiServer(Server server, List<Route> routes) {
    this.server = server;
    this.routes = routes;
  }

  /** Starts serving {@code routes} on {@code socket}, replacing a stale socket file. */
  public static ApiServer start(Path socket, List<Route> routes) throws Exception {
    Files.deleteIfExists(socket);
    QueuedThreadPool pool = new QueuedThreadPool(64, 4);
    pool.setName("api");
    pool.setDaemon(true);
    Server server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    UnixDomainServerConnector connector =
        new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
    connector.setUnixDomainPath(socket);
    connector.setAcceptQueueSize(128);
    server.addConnector(connector);
    ApiServer api = new ApiServer(server, List.copyOf(routes));
    server.setHandler(api.new Dispatcher());
    server.setStopTimeout(5000);
    server.start();
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    return api;
  }

  /** The routes served, for the OpenAPI conformance test. */
  public List<Route> routes() {
    return routes;
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  /** Finds the route for a method and path; a known path with another method is 405. */
  Optional<Map.Entry<Route, Map<String, String>>> find(String method, String path) {
    for (Route r : routes) {
      if (r.method().equals(method)) {
        Optional<Map<String, String>> params = r.match(path);
        if (params.isPresent()) {
          return Optional.of(Map.entry(r, params.get()));
        }
      }
    }
    return Optional.empty();
  }

  private final class Dispatcher extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String method = request.getMethod();
      String path = Request.getPathInContext(request);
      try {
        var found =
            find(method, path)
                .orElseThrow(
                    () ->
                        new ApiException(
                            ErrorCode.NO_SUCH_ROUTE,
                            "no route " + method + " " + path + " in this API version"));
        Map<String, String> query = new HashMap<>();
        Fields fields = Request.extractQueryParameters(request);
        fields.forEach(f -> query.put(f.getName(), f.getValue()));
        if (found.getKey().duplex() != null) {
          duplex(
              found.getKey(),
              new ApiRequest(method, path, found.getValue(), query, ""),
              request,
              response,
              callback);
          return true;
        }
        String body = Content.Source.asString(request, StandardCharsets.UTF_8);
        ApiRequest apiRequest = new ApiRequest(method, path, found.getValue(), query, body);
        Object result = found.getKey().handler().handle(apiRequest);
        respond(response, callback, result);
      } catch (ApiException e) {
        LOG.debug("{} {} -> {}: {}", method, path, e.code(), e.getMessage());
        error(response, callback, e.code(), e.getMessage());
      } catch (Exception e) {
        LOG.error("{} {} failed", method, path, e);
        error(response, callback, ErrorCode.INTERNAL, describe(e));
      }
      return true;
    }

    private void duplex(
        Route route, ApiRequest apiRequest, Request request, Response response, Callback callback) {
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-ndjson");
      try (java.io.InputStream in = Content.Source.asInputStream(request);
          OutputStream out = Content.Sink.asOutputStream(response)) {
        route.duplex().handle(apiRequest, in, out);
      } catch (ApiException e) {
        LOG.debug(
            "{} {} -> {}: {}", apiRequest.method(), apiRequest.path(), e.code(), e.getMessage());
      } catch (Exception e) {
        LOG.warn("{} {} failed", apiRequest.method(), apiRequest.path(), e);
      }
      callback.succeeded();
    }

    private void respond(Response response, Callback callback, Object result) throws Exception {
      if (result instanceof Streaming streaming) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-ndjson");
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
          streaming.writeTo(out);
        } catch (IOException | java.io.UncheckedIOException e) {
          LOG.debug("stream closed by the client: {}", e.toString());
        }
        callback.succeeded();
        return;
      }
      if (result == null) {
        response.setStatus(204);
        callback.succeeded();
        return;
      }
      byte[] json = Json.MAPPER.writeValueAsBytes(result);
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, json.length);
      response.write(true, java.nio.ByteBuffer.wrap(json), callback);
    }

    private void error(Response response, Callback callback, ErrorCode code, String message) {
      byte[] json = Json.MAPPER.writeValueAsBytes(new ErrorBody(code.name(), message));
      response.setStatus(code.httpStatus());
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, json.length);
      response.write(true, java.nio.ByteBuffer.wrap(json), callback);
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message;
  }
}
