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
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One guest-agent connection per started VM, and the VM's readiness. Readiness is the agent's
 * hello: once it arrives the VM moves from {@code starting} to {@code running}. SSH is the
 * fallback: when the guest's sshd greets but no agent has answered {@link #AGENT_GRACE} later, the
 * VM is {@code running} without an agent, so that {@code vm ssh} works while {@code exec} and
 * {@code cp} report that they need the agent. If the VMM dies first, or the boot takes longer than
 * {@link #BOOT_LIMIT}, the VM is {@code failed} with the end of its console log as the reason.
 * Thread-safe.
 */
public final class GuestAgents implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GuestAgents.class);

  /** How long a boot may take before the VM is failed; software emulation is slow. */
  static final Duration BOOT_LIMIT = Duration.ofMinutes(5);

  /**
   * How long the agent may lag behind sshd before the VM counts as ready without it. The golden
   * image starts the agent long before sshd, so only an image whose agent is broken waits this.
   */
  static final Duration AGENT_GRACE = Duration.ofSeconds(10);

  private final VmRepository vms;
  private final Map<String, CompletableFuture<AgentClient>> clients = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Readiness>> readiness = new ConcurrentHashMap<>();

  /** What made a VM ready. */
  enum Readiness {
    /** The guest agent said hello. */
    AGENT,
    /** The guest's sshd greeted, and no agent answered within {@link #AGENT_GRACE}. */
    SSH
  }

  GuestAgents(VmRepository vms) {
    this.vms = vms;
  }

  /**
   * Starts waiting, in the background, for the agent of a VM whose VMM just started, and for its
   * sshd as the fallback.
   */
  void awaitReady(String id, String name, VmmProcess process, VmResources r) {
    CompletableFuture<AgentClient> agent = new CompletableFuture<>();
    CompletableFuture<AgentClient> old = clients.put(id, agent);
    if (old != null) {
      old.thenAccept(AgentClient::close);
    }
    CompletableFuture<Readiness> ready = new CompletableFuture<>();
    readiness.put(id, ready);
    Thread.ofVirtual().name("ready-" + name).start(() -> awaitAgent(id, name, process, r, agent));
    Thread.ofVirtual()
        .name("ssh-ready-" + name)
        .start(() -> awaitSsh(id, name, process, r, agent, ready));
    agent.whenComplete(
        (client, failure) -> {
          // Whichever comes first decides: a ready-over-SSH VM stays ready if its agent fails.
          if (failure == null) {
            ready.complete(Readiness.AGENT);
          } else {
            ready.completeExceptionally(failure);
          }
        });
  }

  private void awaitAgent(
      String id,
      String name,
      VmmProcess process,
      VmResources r,
      CompletableFuture<AgentClient> agent) {
    try {
      AgentClient client =
          AgentClient.connect(
              transport(process), AgentClientOptions.defaults().withConnectTimeout(BOOT_LIMIT));
      vms.transition(id, "starting", "running", "");
      vms.event(id, "guest agent ready: " + client.hello());
      LOG.info("VM {} is ready: {}", name, client.hello());
      agent.complete(client);
    } catch (Exception e) {
      boolean alive = process.isAlive();
      String why =
          alive
              ? "the guest agent did not answer within "
                  + BOOT_LIMIT.toMinutes()
                  + " min ("
                  + e.getMessage()
                  + ")"
              : "the VMM exited during boot";
      String reason = why + "; console: " + consoleTail(Path.of(r.vmDir(), "console.log"));
      // A VM that became ready over SSH keeps running: only exec and cp miss the agent.
      if (alive && vms.transition(id, "starting", "failed", reason)) {
        process.kill();
      }
      vms.event(id, (alive ? "guest agent: " : "boot failed: ") + reason);
      LOG.warn("VM {}: no guest agent: {}", name, reason);
      agent.completeExceptionally(
          new ApiException(
              ErrorCode.INTERNAL, "VM '" + name + "' did not become ready: " + reason));
    }
  }

  private void awaitSsh(
      String id,
      String name,
      VmmProcess process,
      VmResources r,
      CompletableFuture<AgentClient> agent,
      CompletableFuture<Readiness> ready) {
    try {
      while (!agent.isDone() && process.isAlive()) {
        if (SshBanner.probe(r.sshHost(), r.sshPort()).isEmpty()) {
          break;
        }
        Thread.sleep(SshBanner.retry());
      }
      if (agent.isDone() || !process.isAlive()) {
        return;
      }
      try {
        agent.get(AGENT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        // sshd is up and the agent is not: the VM is usable over SSH.
      } catch (ExecutionException e) {
        return;
      }
      // An adopted VM (daemon restart) is running already; a fresh one moves there now.
      boolean running =
          vms.transition(id, "starting", "running", "")
              || vms.find(id).map(vm -> "running".equals(vm.state())).orElse(false);
      if (running) {
        String note =
            "ready over SSH: the guest agent did not answer within "
                + AGENT_GRACE.toSeconds()
                + " s of sshd (exec and cp need it)";
        vms.event(id, note);
        LOG.warn("VM {} is {}", name, note);
        ready.complete(Readiness.SSH);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static AgentTransport transport(VmmProcess process) {
    return switch (process.state().agentTransport()) {
      case VIRTIO_SERIAL -> AgentTransport.serialSocket(process.agentSocket());
      case FIRECRACKER_VSOCK ->
          AgentTransport.firecrackerVsock(process.agentSocket(), process.state().agentPort());
      default -> AgentTransport.unixSocket(process.agentSocket());
    };
  }

  /**
   * Waits at most {@code timeout} for a started VM to be ready, over its agent or, failing that,
   * over SSH; returns which.
   */
  Readiness ready(String id, Duration timeout) throws Exception {
    return await(readiness.get(id), id, timeout);
  }

  /**
   * The ready agent client of a VM, waiting at most {@code timeout} for it. A VM that became ready
   * over SSH without its agent fails at once with {@link ErrorCode#NO_AGENT}.
   */
  AgentClient client(String id, Duration timeout) throws Exception {
    CompletableFuture<AgentClient> agent = clients.get(id);
    CompletableFuture<Readiness> ready = readiness.get(id);
    boolean overSsh =
        ready != null
            && ready.state() == Future.State.SUCCESS
            && ready.resultNow() == Readiness.SSH;
    boolean agentAnswered = agent != null && agent.state() == Future.State.SUCCESS;
    if (overSsh && !agentAnswered) {
      throw new ApiException(
          ErrorCode.NO_AGENT,
          "VM "
              + id
              + " has no guest agent answering (it became ready over SSH); exec and cp need"
              + " the agent, `banger vm ssh` works without it");
    }
    return await(agent, id, timeout);
  }

  private static <T> T await(CompletableFuture<T> f, String id, Duration timeout) throws Exception {
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
    CompletableFuture<Readiness> ready = readiness.remove(id);
    if (ready != null) {
      ready.cancel(true);
    }
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
    readiness.clear();
  }
}
