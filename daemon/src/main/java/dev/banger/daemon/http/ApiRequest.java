package dev.banger.daemon.http;

import java.util.Map;

/**
 * One API request as a route handler sees it: path parameters, query parameters and the raw body.
 *
 * @param method the HTTP method
 * @param path the request path
 * @param pathParams values of the {@code {name}} segments of the route template
 * @param query query parameters (first value of each)
 * @param body the request body, empty when none
 */
public record ApiRequest(
    String method,
    String path,
    Map<String, String> pathParams,
    Map<String, String> query,
    String body) {

  /** A path parameter that the route template guarantees. */
  public String param(String name) {
    String v = pathParams.get(name);
    if (v == null) {
      throw new IllegalStateException("route has no path parameter " + name);
    }
    return v;
  }

  /** A query parameter, or {@code fallback} when absent. */
  public String query(String name, String fallback) {
    return query.getOrDefault(name, fallback);
  }
}
