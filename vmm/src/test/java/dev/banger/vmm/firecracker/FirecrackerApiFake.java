package dev.banger.vmm.firecracker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stand-in for Firecracker's API server: a real Jetty server on a Unix socket that checks every
 * request against {@link FirecrackerApiContract} and answers as Firecracker does, 204 for an
 * accepted PUT or PATCH, 200 with JSON for the GETs it knows, or 400 with {@code fault_message}.
 * Beyond the schema it applies Firecracker's rules: pre-boot-only resources are refused after
 * InstanceStart and post-boot-only ones before it, files it would open must exist (kernel, initrd,
 * drives, log, metrics), a TAP device must exist, and the vsock socket path must be free (the fake
 * then binds it, as Firecracker does).
 *
 * <p>Thread-safe: handlers synchronise on the fake.
 */
final class FirecrackerApiFake implements AutoCloseable {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /**
   * One request as the fake saw it: its body (for a GET, the answer instead), the status answered
   * and, for a refusal, the fault message.
   */
  record Exchange(String method, String path, JsonNode body, int status, String fault) {
    boolean accepted() {
      return status / 100 == 2;
    }
  }

  private final FirecrackerApiContract contract;
  private final Path fsRoot;
  private final Optional<String> requiredOwner;
  private final Consumer<Exchange> recorder;
  private final Runnable onCtrlAltDel;
  private final Set<String> hiddenPaths;
  private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
  private final List<ServerSocketChannel> vsockListeners = new ArrayList<>();
  private final Server server = new Server();
  private boolean started;
  private boolean metricsSet;
  private boolean bootSourceSet;
  private JsonNode machineConfig =
      JSON.createObjectNode().put("vcpu_count", 1).put("mem_size_mib", 128).put("smt", false);

  private FirecrackerApiFake(
      FirecrackerApiContract contract,
      Path fsRoot,
      Optional<String> requiredOwner,
      Consumer<Exchange> recorder,
      Runnable onCtrlAltDel,
      Set<String> hiddenPaths) {
    this.contract = contract;
    this.hiddenPaths = Set.copyOf(hiddenPaths);
    this.fsRoot = fsRoot;
    this.requiredOwner = requiredOwner;
    this.recorder = recorder;
    this.onCtrlAltDel = onCtrlAltDel;
  }

  /**
   * Serves the fake API on {@code socket}.
   *
   * @param fsRoot where paths in request bodies are resolved: "/" or a jail's root
   * @param requiredOwner "uid:gid" that files Firecracker opens must belong to (jailer), if any
   * @param recorder receives every exchange, accepted or refused
   * @param onCtrlAltDel runs after an accepted SendCtrlAltDel
   * @param hiddenPaths paths answered as unknown, as an older Firecracker would
   */
  static FirecrackerApiFake start(
      Path socket,
      FirecrackerApiContract contract,
      Path fsRoot,
      Optional<String> requiredOwner,
      Consumer<Exchange> recorder,
      Runnable onCtrlAltDel,
      Set<String> hiddenPaths)
      throws Exception {
    FirecrackerApiFake fake =
        new FirecrackerApiFake(
            contract, fsRoot, requiredOwner, recorder, onCtrlAltDel, hiddenPaths);
    UnixDomainServerConnector connector = new UnixDomainServerConnector(fake.server);
    connector.setUnixDomainPath(socket);
    fake.server.addConnector(connector);
    fake.server.setHandler(fake.new ApiHandler());
    fake.server.start();
    return fake;
  }

  /** Every exchange so far, in order. */
  List<Exchange> exchanges() {
    return List.copyOf(exchanges);
  }

  @Override
  public void close() throws Exception {
    server.stop();
    synchronized (this) {
      for (ServerSocketChannel listener : vsockListeners) {
        listener.close();
      }
    }
  }

  private final class ApiHandler extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String method = request.getMethod();
      String path = request.getHttpURI().getPath();
      Exchange exchange;
      try {
        String text = Content.Source.asString(request);
        JsonNode body = text.isBlank() ? null : JSON.readTree(text);
        exchange = answer(method, path, body);
      } catch (JacksonException e) {
        exchange = new Exchange(method, path, null, 400, "Invalid JSON: " + e.getOriginalMessage());
      } catch (IOException e) {
        exchange = new Exchange(method, path, null, 400, "Could not read the body: " + e);
      }
      exchanges.add(exchange);
      recorder.accept(exchange);
      respond(exchange, response, callback);
      if (exchange.accepted() && isAction(exchange, "SendCtrlAltDel")) {
        onCtrlAltDel.run();
      }
      return true;
    }
  }

  private synchronized Exchange answer(String method, String path, JsonNode body) {
    if (hiddenPaths.contains(path)) {
      String fault = "Invalid request method and/or path: " + method + " " + path + ".";
      return new Exchange(method, path, body, 400, fault);
    }
    List<String> faults = new ArrayList<>(contract.violations(method, path, body));
    Optional<FirecrackerApiContract.Operation> op = contract.operation(method, path);
    if (faults.isEmpty() && op.isPresent()) {
      faults.addAll(stateRules(op.get(), body));
    }
    if (faults.isEmpty() && method.equals("PUT")) {
      faults.addAll(resourceRules(path, body));
    }
    if (!faults.isEmpty()) {
      return new Exchange(method, path, body, 400, String.join(" ", faults));
    }
    if (method.equals("GET")) {
      return get(path, body);
    }
    apply(path, body);
    return new Exchange(method, path, body, 204, null);
  }

  private List<String> stateRules(FirecrackerApiContract.Operation op, JsonNode body) {
    if (op.template().equals("/actions")) {
      String action = body.path("action_type").asString();
      if (action.equals("InstanceStart") && started) {
        return List.of("The microVM is already running.");
      }
      if (action.equals("InstanceStart") && !bootSourceSet) {
        return List.of("Cannot start microvm without kernel configuration.");
      }
      if (!action.equals("InstanceStart") && !started) {
        return List.of("The requested operation is not supported before starting the microVM.");
      }
      return List.of();
    }
    if (op.preBootOnly() && started) {
      return List.of("The requested operation is not supported after starting the microVM.");
    }
    if (op.postBootOnly() && !started) {
      return List.of("The requested operation is not supported before starting the microVM.");
    }
    return List.of();
  }

  private List<String> resourceRules(String path, JsonNode body) {
    List<String> faults = new ArrayList<>();
    switch (path) {
      case "/boot-source" -> {
        mustRead(body, "kernel_image_path", "Kernel file", faults);
        mustRead(body, "initrd_path", "Initrd file", faults);
      }
      case "/logger" -> mustOpen(body, "log_path", "Logger file", faults);
      case "/metrics" -> {
        if (metricsSet) {
          faults.add("Reinitialization of metrics not allowed.");
        }
        mustOpen(body, "metrics_path", "Metrics file", faults);
      }
      case "/serial" -> mustOpen(body, "serial_out_path", "Serial output file", faults);
      case "/vsock" -> {
        Path uds = resolve(body.path("uds_path").asString());
        if (Files.exists(uds)) {
          faults.add("Cannot create backend for vsock device: Address in use (os error 98)");
        }
      }
      default -> {
        if (path.startsWith("/drives/")) {
          mustOpen(body, "path_on_host", "Block device file", faults);
        } else if (path.startsWith("/network-interfaces/")) {
          String tap = body.path("host_dev_name").asString();
          if (!Files.exists(Path.of("/sys/class/net", tap, "tun_flags"))) {
            faults.add("Open tap device failed: no TAP device \"" + tap + "\".");
          }
        }
      }
    }
    return faults;
  }

  /** A file Firecracker only reads: under the jailer, its uid reaches it as "others". */
  private void mustRead(JsonNode body, String field, String what, List<String> faults) {
    if (!body.has(field)) {
      return;
    }
    String name = body.get(field).asString();
    Path file = resolve(name);
    if (!Files.isRegularFile(file)) {
      faults.add(what + " \"" + name + "\" cannot be opened: No such file or directory");
    } else if (requiredOwner.isPresent() && !readableByOthers(file)) {
      faults.add(what + " \"" + name + "\" cannot be opened: Permission denied");
    }
  }

  private static boolean readableByOthers(Path file) {
    try {
      return Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ);
    } catch (IOException e) {
      return false;
    }
  }

  /** A file Firecracker writes: under the jailer it must belong to the jail's uid and gid. */
  private void mustOpen(JsonNode body, String field, String what, List<String> faults) {
    if (!body.has(field)) {
      return;
    }
    String name = body.get(field).asString();
    Path file = resolve(name);
    if (!Files.isRegularFile(file)) {
      faults.add(what + " \"" + name + "\" cannot be opened: No such file or directory");
      return;
    }
    if (requiredOwner.isPresent()) {
      try {
        String owner =
            Files.getAttribute(file, "unix:uid") + ":" + Files.getAttribute(file, "unix:gid");
        if (!owner.equals(requiredOwner.get())) {
          faults.add(what + " \"" + name + "\" belongs to " + owner + ": Permission denied");
        }
      } catch (IOException e) {
        faults.add(what + " \"" + name + "\" cannot be inspected: " + e);
      }
    }
  }

  private Exchange get(String path, JsonNode body) {
    ObjectNode answer = JSON.createObjectNode();
    switch (path) {
      case "/" ->
          answer
              .put("app_name", "Firecracker")
              .put("id", "anonymous-instance")
              .put("state", started ? "Running" : "Not started")
              .put("vmm_version", contract.version());
      case "/version" -> answer.put("firecracker_version", contract.version());
      case "/machine-config" -> answer.setAll((ObjectNode) machineConfig);
      default -> {
        return new Exchange("GET", path, body, 400, "The fake does not implement GET " + path);
      }
    }
    return new Exchange("GET", path, answer, 200, null);
  }

  private void apply(String path, JsonNode body) {
    switch (path) {
      case "/metrics" -> metricsSet = true;
      case "/boot-source" -> bootSourceSet = true;
      case "/machine-config" -> machineConfig = body;
      case "/vsock" -> bindVsock(resolve(body.path("uds_path").asString()));
      case "/actions" -> {
        if (isAction(body, "InstanceStart")) {
          started = true;
        }
      }
      default -> {
        // Accepted and recorded; the fake keeps no further state for it.
      }
    }
  }

  private void bindVsock(Path uds) {
    try {
      ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      listener.bind(UnixDomainSocketAddress.of(uds));
      vsockListeners.add(listener);
    } catch (IOException e) {
      throw new IllegalStateException("could not bind the vsock socket " + uds, e);
    }
  }

  private Path resolve(String vmmPath) {
    return fsRoot.resolve(vmmPath.startsWith("/") ? vmmPath.substring(1) : vmmPath);
  }

  private static boolean isAction(Exchange exchange, String action) {
    return exchange.path().equals("/actions") && isAction(exchange.body(), action);
  }

  private static boolean isAction(JsonNode body, String action) {
    return body != null && body.path("action_type").asString().equals(action);
  }

  private static void respond(Exchange exchange, Response response, Callback callback) {
    response.setStatus(exchange.status());
    String json = null;
    if (!exchange.accepted()) {
      json = JSON.writeValueAsString(Map.of("fault_message", exchange.fault()));
    } else if (exchange.status() == 200) {
      json = JSON.writeValueAsString(exchange.body());
    }
    if (json == null) {
      callback.succeeded();
      return;
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    Content.Sink.write(response, true, json, callback);
  }
}
