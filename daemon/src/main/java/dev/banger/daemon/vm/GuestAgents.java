package dev.banger.daemon.vm;

import dev.banger.api.ErrorCode;
import dev.banger.daemon.http.ApiException;
import dev.banger.guest.AgentClient;
import dev.banger.guest.AgentClientOptions;
import dev.banger.guest.AgentTransport;
import dev.banger.vmm.VmmProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One guest-agent connection per started VM. Readiness is the agent's hello: once it arrives the VM
 * moves from {@code starting} to {@code running}; if the VMM dies first or the boot takes longer
 * than the limit the VM is {@code failed} with the end of its console log as the reason.
 * Thread-safe.
 */
public final class GuestAgents implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GuestAgents.class);

  /** How long a boot may take before the VM is failed; software emulation is slow. */
  static final Duration BOOT_LIMIT = Duration.ofMinutes(5);

  private final VmRepository vms;
  private final Map<String, CompletableFuture<AgentClient>> clients = new ConcurrentHashMap<>();

  GuestAgents(VmRepository vms) {
    this.vms = vms;
  }

  /** Starts waiting, in the background, for the agent of a VM whose VMM just started. */
  void awaitReady(String id, String name, VmmProcess process, VmResources r) {
    CompletableFuture<AgentClient> ready = new CompletableFuture<>();
    CompletableFuture<AgentClient> old = clients.put(id, ready);
    if (old != null) {
      old.thenAccept(AgentClient::close);
    }
    Thread.ofVirtual()
        .name("ready-" + name)
        .start(
            () -> {
              try {
                AgentClient client =
                    AgentClient.connect(
                        transport(process),
                        AgentClientOptions.defaults().withConnectTimeout(BOOT_LIMIT));
                vms.transition(id, "starting", "running", "");
                vms.event(id, "guest agent ready: " + client.hello());
                LOG.info("VM {} is ready: {}", name, client.hello());
                ready.complete(client);
              } catch (Exception e) {
                String why =
                    process.isAlive()
                        ? "the guest agent did not answer within "
                            + BOOT_LIMIT.toMinutes()
                            + " min ("
                            + e.getMessage()
                            + ")"
                        : "the VMM exited during boot";
                String reason =
                    why + "; console: " + consoleTail(Path.of(r.vmDir(), "console.log"));
                if (process.isAlive()) {
                  vms.transition(id, "starting", "failed", reason);
                  process.kill();
                }
                vms.event(id, "boot failed: " + reason);
                LOG.warn("VM {} did not become ready: {}", name, reason);
                ready.completeExceptionally(
                    new ApiException(
                        ErrorCode.INTERNAL, "VM '" + name + "' did not become ready: " + reason));
              }
            });
  }

  private static AgentTransport transport(VmmProcess process) {
    return switch (process.state().agentTransport()) {
      case VIRTIO_SERIAL -> AgentTransport.serialSocket(process.agentSocket());
      case FIRECRACKER_VSOCK ->
          AgentTransport.firecrackerVsock(process.agentSocket(), process.state().agentPort());
      default -> AgentTransport.unixSocket(process.agentSocket());
    };
  }

  /** The ready agent client of a VM, waiting at most {@code timeout} for it. */
  AgentClient client(String id, Duration timeout) throws Exception {
    CompletableFuture<AgentClient> f = clients.get(id);
    if (f == null) {
      throw ApiException.conflict("VM " + id + " has no running guest; start it first");
    }
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new ApiException(
          ErrorCode.CONFLICT,
          "VM "
              + id
              + " is not ready after "
              + timeout.toSeconds()
              + " s; `banger vm logs` shows its console");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** Closes the agent connection of a VM that stopped. */
  void disconnect(String id) {
    CompletableFuture<AgentClient> f = clients.remove(id);
    if (f != null) {
      f.thenAccept(AgentClient::close);
      f.cancel(true);
    }
  }

  static String consoleTail(Path console) {
    try {
      List<String> lines = Files.readAllLines(console, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    } catch (IOException e) {
      return "(no console log)";
    }
  }

  @Override
  public void close() {
    clients.values().forEach(f -> f.thenAccept(AgentClient::close));
    clients.clear();
  }
}
