package dev.banger.daemon.op;

import dev.banger.api.ApiVersion;
import dev.banger.daemon.http.ApiException;
import dev.banger.daemon.http.Json;
import dev.banger.daemon.http.Route;
import dev.banger.daemon.http.Streaming;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The {@code /v1/operations} routes: list, show, watch (NDJSON stream) and cancel. */
public final class OperationRoutes {
  /** Path of the operations collection. */
  public static final String PATH = ApiVersion.PREFIX + "/operations";

  private OperationRoutes() {}

  /** The routes over {@code ops}. */
  public static List<Route> of(OperationManager ops) {
    return List.of(
        new Route("GET", PATH, r -> ops.list()),
        new Route(
            "GET",
            PATH + "/{op}",
            r -> ops.find(r.param("op")).orElseThrow(() -> notFound(r.param("op")))),
        new Route("GET", PATH + "/{op}/watch", r -> watch(ops, r.param("op"))),
        new Route(
            "POST",
            PATH + "/{op}/cancel",
            r -> {
              if (ops.find(r.param("op")).isEmpty()) {
                throw notFound(r.param("op"));
              }
              if (!ops.cancel(r.param("op"))) {
                throw ApiException.conflict("operation " + r.param("op") + " is not running");
              }
              return ops.find(r.param("op")).orElseThrow();
            }));
  }

  /** A stream of the operation's state, one JSON object per line, until it ends. */
  public static Streaming watch(OperationManager ops, String id) {
    if (ops.find(id).isEmpty()) {
      throw notFound(id);
    }
    return out ->
        ops.watch(
            id,
            view -> {
              try {
                out.write(Json.MAPPER.writeValueAsBytes(view));
                out.write("\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
  }

  private static ApiException notFound(String id) {
    return ApiException.notFound("no operation '" + id + "'; `banger op ls` lists them");
  }
}
