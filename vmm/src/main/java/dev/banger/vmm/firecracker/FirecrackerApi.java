package dev.banger.vmm.firecracker;

import dev.banger.vmm.VmmException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests to one Firecracker process's REST API on its Unix socket.
 *
 * <p>It uses Jetty's HTTP client with {@link Transport.TCPUnix} rather than a hand-written HTTP/1.1
 * exchange on a JDK {@code SocketChannel}: Jetty handles response framing (Content-Length, chunked,
 * keep-alive), timeouts and connection reuse correctly, and the daemon is long-lived, so the
 * client's start-up cost (about 650 ms here) is paid once per daemon, not per request. The driver
 * shares one started {@link HttpClient} between all its VMs.
 *
 * <p>Thread-safe: Jetty's client is.
 */
final class FirecrackerApi {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final HttpClient http;
  private final Transport transport;
  private final Path socket;
  private final String vmId;
  private final Duration timeout;

  FirecrackerApi(HttpClient http, Path socket, String vmId, Duration timeout) {
    this.http = http;
    this.transport = new Transport.TCPUnix(socket);
    this.socket = socket;
    this.vmId = vmId;
    this.timeout = timeout;
  }

  /**
   * Sends {@code PUT path} with a JSON body.
   *
   * @param step what this request does, for error messages: "configuring boot-source"
   * @throws FirecrackerApiException if Firecracker answers with an error
   * @throws VmmException if the socket cannot be reached or does not answer in time
   */
  void put(String step, String path, JsonNode body) throws VmmException, InterruptedException {
    send(step, HttpMethod.PUT, path, body);
  }

  /** Sends {@code GET path} and returns the JSON answer. */
  JsonNode get(String step, String path) throws VmmException, InterruptedException {
    String text = send(step, HttpMethod.GET, path, null);
    try {
      return JSON.readTree(text);
    } catch (JacksonException e) {
      throw new VmmException(
          "Firecracker answered " + step + " for VM " + vmId + " with invalid JSON: " + text, e);
    }
  }

  private String send(String step, HttpMethod method, String path, JsonNode body)
      throws VmmException, InterruptedException {
    Request request =
        http.newRequest("http://localhost" + path)
            .transport(transport)
            .method(method)
            .headers(headers -> headers.put(HttpHeader.ACCEPT, "application/json"))
            .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (body != null) {
      request.body(new StringRequestContent("application/json", JSON.writeValueAsString(body)));
    }
    ContentResponse response;
    try {
      response = request.send();
    } catch (TimeoutException e) {
      throw new VmmException(
          "Firecracker did not answer "
              + step
              + " for VM "
              + vmId
              + " within "
              + timeout
              + " on "
              + socket,
          e);
    } catch (ExecutionException e) {
      throw new VmmException(
          "Could not reach Firecracker's API socket "
              + socket
              + " while "
              + step
              + " for VM "
              + vmId
              + ": "
              + e.getCause(),
          e.getCause());
    }
    int status = response.getStatus();
    if (status / 100 != 2) {
      throw new FirecrackerApiException(vmId, step, status, fault(response.getContentAsString()));
    }
    return response.getContentAsString();
  }

  private static String fault(String body) {
    try {
      JsonNode fault = JSON.readTree(body).path("fault_message");
      return fault.isString() ? fault.asString() : body;
    } catch (JacksonException e) {
      return body;
    }
  }
}
