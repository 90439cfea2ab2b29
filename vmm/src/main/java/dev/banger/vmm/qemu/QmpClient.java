package dev.banger.vmm.qemu;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client of QEMU's QMP control socket: it reads the greeting, negotiates capabilities, runs
 * commands matched to their answers by id, and collects asynchronous events. One virtual thread
 * reads the socket; commands may be sent from any thread.
 *
 * <p>QEMU serves one QMP client at a time on a socket, so hold a client only as long as needed.
 *
 * <p>Thread-safe.
 */
public final class QmpClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** A line longer than this is not QMP; stop rather than buffer without bound. */
  private static final int MAX_LINE_BYTES = 1 << 20;

  private final Path socket;
  private final SocketChannel channel;
  private final AtomicLong nextId = new AtomicLong(1);
  private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
  private final BlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  private QmpClient(Path socket, SocketChannel channel) {
    this.socket = socket;
    this.channel = channel;
  }

  /**
   * Connects to the QMP socket, waits for the greeting and enters command mode.
   *
   * @throws QmpException if the socket refuses the connection or QEMU does not answer in time
   */
  public static QmpClient connect(Path socket, Duration timeout)
      throws QmpException, InterruptedException {
    SocketChannel channel;
    try {
      channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new QmpException("Could not connect to QMP socket " + socket + ": " + e, e);
    }
    QmpClient client = new QmpClient(socket, channel);
    Thread.ofVirtual().name("qmp-reader-" + socket.getFileName()).start(client::readLoop);
    try {
      client.await(client.greeting, timeout, "the QMP greeting");
      client.execute("qmp_capabilities", Map.of(), timeout);
      return client;
    } catch (QmpException | InterruptedException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** Runs {@code query-status} and returns QEMU's run state, for example {@code running}. */
  public String queryStatus(Duration timeout) throws QmpException, InterruptedException {
    return execute("query-status", Map.of(), timeout).path("status").asString();
  }

  /** Presses the guest's ACPI power button; the guest decides whether to shut down. */
  public void systemPowerdown(Duration timeout) throws QmpException, InterruptedException {
    execute("system_powerdown", Map.of(), timeout);
  }

  /** Makes QEMU exit at once, without the guest's involvement. */
  public void quit(Duration timeout) throws QmpException, InterruptedException {
    execute("quit", Map.of(), timeout);
  }

  /**
   * Runs a command and returns its {@code return} member.
   *
   * @param arguments the command's arguments; values are written as JSON
   * @throws QmpException if QEMU answers with an error, closes the socket or does not answer
   */
  public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout)
      throws QmpException, InterruptedException {
    String id = Long.toString(nextId.getAndIncrement());
    ObjectNode request = JSON.createObjectNode().put("execute", command).put("id", id);
    if (!arguments.isEmpty()) {
      request.set("arguments", JSON.valueToTree(arguments));
    }
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    try {
      if (closed.isDone()) {
        throw new QmpException("QMP socket " + socket + " is closed; cannot run " + command);
      }
      send(request);
      JsonNode reply = await(answer, timeout, "the answer to " + command);
      if (reply.has("error")) {
        JsonNode error = reply.get("error");
        throw new QmpException(
            "QMP command "
                + command
                + " on "
                + socket
                + " failed: "
                + error.path("class").asString()
                + ": "
                + error.path("desc").asString());
      }
      return reply.path("return");
    } finally {
      pending.remove(id);
    }
  }

  /**
   * Waits for the next event named {@code name}, discarding other events; events received before
   * this call count.
   *
   * @throws QmpException if the socket closes first or the time runs out
   */
  public QmpEvent awaitEvent(String name, Duration timeout)
      throws QmpException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      QmpEvent event = events.poll(Math.max(0, Math.min(left, 50_000_000L)), TimeUnit.NANOSECONDS);
      if (event != null && event.name().equals(name)) {
        return event;
      }
      if (event == null && closed.isDone() && events.isEmpty()) {
        throw new QmpException("QMP socket " + socket + " closed before event " + name);
      }
      if (left <= 0) {
        throw new QmpException("No " + name + " event on " + socket + " within " + timeout);
      }
    }
  }

  /** Completes when QEMU closes the socket or this client is closed. */
  public CompletableFuture<Void> closed() {
    return closed.copy();
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("Closing QMP socket {} failed", socket, e);
    }
  }

  private void send(ObjectNode request) throws QmpException {
    ByteBuffer bytes = ByteBuffer.wrap((JSON.writeValueAsString(request) + "\n").getBytes(UTF_8));
    try {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    } catch (IOException e) {
      throw new QmpException("Could not send " + request.path("execute") + " to " + socket, e);
    }
  }

  private JsonNode await(CompletableFuture<JsonNode> future, Duration timeout, String what)
      throws QmpException, InterruptedException {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new QmpException("No " + what + " on " + socket + " within " + timeout, e);
    } catch (ExecutionException e) {
      throw new QmpException(
          "QMP socket " + socket + " failed while waiting for " + what, e.getCause());
    }
  }

  private void readLoop() {
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    IOException failure = null;
    try {
      while (channel.read(buffer.clear()) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          byte b = buffer.get();
          if (b == '\n') {
            dispatch(line.toString(UTF_8));
            line.reset();
          } else if (line.size() < MAX_LINE_BYTES) {
            line.write(b);
          } else {
            throw new IOException("QMP line longer than " + MAX_LINE_BYTES + " bytes");
          }
        }
      }
    } catch (IOException e) {
      failure = e;
    } finally {
      shutDown(failure);
    }
  }

  private void dispatch(String text) {
    if (text.isBlank()) {
      return;
    }
    JsonNode message;
    try {
      message = JSON.readTree(text);
    } catch (JacksonException e) {
      LOG.warn("Ignoring a line on QMP socket {} that is not JSON: {}", socket, text, e);
      return;
    }
    if (message.has("QMP")) {
      greeting.complete(message);
    } else if (message.has("event")) {
      events.add(toEvent(message));
    } else if (message.has("id")) {
      CompletableFuture<JsonNode> answer = pending.get(message.get("id").asString());
      if (answer != null) {
        answer.complete(message);
      }
    }
  }

  private static QmpEvent toEvent(JsonNode message) {
    Map<String, String> data = new LinkedHashMap<>();
    message.path("data").properties().forEach(e -> data.put(e.getKey(), e.getValue().toString()));
    JsonNode stamp = message.path("timestamp");
    Instant at =
        Instant.ofEpochSecond(
            stamp.path("seconds").asLong(), stamp.path("microseconds").asLong() * 1000);
    return new QmpEvent(message.path("event").asString(), data, at);
  }

  private void shutDown(IOException failure) {
    QmpException gone =
        new QmpException(
            "QMP socket " + socket + " closed" + (failure == null ? " by QEMU" : ""), failure);
    greeting.completeExceptionally(gone);
    pending.values().forEach(answer -> answer.completeExceptionally(gone));
    closed.complete(null);
    close();
  }
}
