package dev.banger.daemon.http;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper of the daemon: records in, records out. Thread-safe. */
public final class Json {
  /** The shared mapper; unknown properties in requests are errors. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private Json() {}

  /** Reads a request body into {@code type}, with an error that names the problem. */
  public static <T> T read(String body, Class<T> type) {
    if (body == null || body.isBlank()) {
      throw ApiException.badRequest("the request needs a JSON body (" + type.getSimpleName() + ")");
    }
    try {
      return MAPPER.readValue(body, type);
    } catch (tools.jackson.core.JacksonException e) {
      throw ApiException.badRequest("invalid JSON request: " + e.getOriginalMessage());
    }
  }
}
