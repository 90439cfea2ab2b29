package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connecting, reconnecting and power requests, each against its own real agent process; and
 * Firecracker's vsock handshake against a stand-in for Firecracker's socket that follows its
 * documented contract (Firecracker itself cannot run here).
 */
class AgentLifecycleTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path tmp;

  private static AgentClientOptions connectWithin(Duration d) {
    return AgentClientOptions.defaults().withConnectTimeout(d);
  }

  @Test
  void connectWaitsForAnAgentThatStartsLate() throws Exception {
    Path socket = tmp.resolve("late.sock");
    CompletableFuture<AgentClient> connecting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return AgentClient.connect(
                    AgentTransport.unixSocket(socket), connectWithin(Duration.ofSeconds(20)));
              } catch (AgentException e) {
                throw new IllegalStateException(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(700);
    assertThat(connecting).isNotDone();
    try (AgentProcess agent = AgentProcess.start(socket);
        AgentClient client = connecting.get(20, TimeUnit.SECONDS)) {
      assertThat(client.run(ExecRequest.of("echo", "up"), null, TIMEOUT).stdoutText())
          .isEqualTo("up\n");
      assertThat(agent.isAlive()).isTrue();
    }
  }

  @Test
  void connectGivesUpAfterItsTimeoutNamingTheTransport() {
    Path socket = tmp.resolve("nobody.sock");
    assertThatThrownBy(
            () ->
                AgentClient.connect(
                    AgentTransport.unixSocket(socket), connectWithin(Duration.ofMillis(800))))
        .isInstanceOfSatisfying(
            AgentException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.UNREACHABLE))
        .hasMessageContaining(socket.toString())
        .hasMessageContaining("did not answer within");
  }

  @Test
  void afterTheAgentRestartsReconnectStartsANewSession() throws Exception {
    Path socket = tmp.resolve("restart.sock");
    AgentProcess first = AgentProcess.start(socket);
    try (AgentClient client = AgentClient.connect(first.transport())) {
      ExecSession running = client.exec(ExecRequest.of("sleep", "60"));
      first.kill();

      assertThatThrownBy(running::waitFor)
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.CONNECTION_LOST));
      assertThat(client.isConnected()).isFalse();
      assertThatThrownBy(client::ping).hasMessageContaining("reconnect()");

      try (AgentProcess second = AgentProcess.start(socket)) {
        client.reconnect(Duration.ofSeconds(10));
        assertThat(client.isConnected()).isTrue();
        assertThat(client.run(ExecRequest.of("echo", "again"), null, TIMEOUT).stdoutText())
            .isEqualTo("again\n");
        assertThat(second.isAlive()).isTrue();
      }
    } finally {
      first.close();
    }
  }

  @Test
  void aNewSessionHangsUpCommandsThePreviousOneLeftRunning() throws Exception {
    try (AgentProcess agent = AgentProcess.start(tmp.resolve("reset.sock"));
        AgentClient client = AgentClient.connect(agent.transport())) {
      Path marker = tmp.resolve("hup");
      ExecSession s =
          client.exec(
              ExecRequest.of(
                  "sh",
                  "-c",
                  // stderr elsewhere: the shell reports its child's hangup there, and the agent
                  // has closed that pipe by then.
                  "exec 2>/dev/null; trap 'touch "
                      + marker
                      + "; exit 0' HUP;"
                      + " echo ready; while :; do sleep 0.1; done"));
      Streams.readUntil(s.stdout(), "ready");
      client.reconnect(Duration.ofSeconds(10));
      for (int i = 0; i < 100 && !Files.exists(marker); i++) {
        Thread.sleep(50);
      }
      assertThat(marker).as(agent.log()).exists();
    }
  }

  @Test
  void powerOffIsAcknowledgedAndTheAgentStops() throws Exception {
    try (AgentProcess agent = AgentProcess.start(tmp.resolve("power.sock"), "--power", "exit");
        AgentClient client = AgentClient.connect(agent.transport())) {
      client.shutdown();
      assertThat(agent.waitFor(Duration.ofSeconds(10))).isZero();
    }
  }

  @Test
  void powerRequestsAreRefusedOnTheUnixTransportByDefault() throws Exception {
    try (AgentProcess agent = AgentProcess.start(tmp.resolve("deny.sock"));
        AgentClient client = AgentClient.connect(agent.transport())) {
      assertThatThrownBy(client::reboot)
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.UNSUPPORTED))
          .hasMessageContaining("--power deny");
      assertThat(client.ping()).isPositive();
      assertThat(agent.isAlive()).isTrue();
    }
  }

  /**
   * Firecracker's host side of vsock, as its documentation describes it: read {@code CONNECT
   * <port>\n}, answer {@code OK <host port>\n} and splice the guest's connection, or close when
   * nothing listens on that port.
   */
  private static final class VsockBridge implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path agentSocket;
    private final int listeningPort;
    private final CopyOnWriteArrayList<String> requests = new CopyOnWriteArrayList<>();

    VsockBridge(Path udsPath, Path agentSocket, int listeningPort) throws IOException {
      this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(udsPath));
      this.agentSocket = agentSocket;
      this.listeningPort = listeningPort;
      Thread.ofVirtual().start(this::serve);
    }

    private void serve() {
      while (server.isOpen()) {
        try {
          SocketChannel host = server.accept();
          Thread.ofVirtual().start(() -> handle(host));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void handle(SocketChannel host) {
      try (host) {
        InputStream in = Channels.newInputStream(host);
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
          line.append((char) b);
        }
        requests.add(line.toString());
        if (!line.toString().equals("CONNECT " + listeningPort)) {
          return; // nothing listens on that port: Firecracker just closes
        }
        try (SocketChannel guest = SocketChannel.open(UnixDomainSocketAddress.of(agentSocket))) {
          OutputStream toHost = Channels.newOutputStream(host);
          toHost.write("OK 1073741824\n".getBytes(StandardCharsets.US_ASCII));
          Thread pump =
              Thread.ofVirtual().start(() -> copy(Channels.newInputStream(guest), toHost));
          copy(in, Channels.newOutputStream(guest));
          pump.join();
        }
      } catch (IOException e) {
        // the test's connection ended
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private static void copy(InputStream from, OutputStream to) {
      byte[] buf = new byte[65536];
      try {
        int n;
        while ((n = from.read(buf)) >= 0) {
          to.write(buf, 0, n);
        }
      } catch (IOException e) {
        // one side closed
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  @Test
  void firecrackerVsockTransportDoesTheConnectHandshake() throws Exception {
    Path vsock = tmp.resolve("v.sock");
    try (AgentProcess agent = AgentProcess.start(tmp.resolve("fc-agent.sock"));
        VsockBridge bridge = new VsockBridge(vsock, agent.socket(), 10789);
        AgentClient client = AgentClient.connect(AgentTransport.firecrackerVsock(vsock))) {
      assertThat(client.run(ExecRequest.of("echo", "through vsock"), null, TIMEOUT).stdoutText())
          .isEqualTo("through vsock\n");
      assertThat(bridge.requests).containsExactly("CONNECT 10789");
    }
  }

  @Test
  void firecrackerVsockWithNothingListeningIsUnreachable() throws Exception {
    Path vsock = tmp.resolve("v2.sock");
    try (VsockBridge bridge = new VsockBridge(vsock, tmp.resolve("none.sock"), 10789)) {
      assertThatThrownBy(
              () ->
                  AgentClient.connect(
                      AgentTransport.firecrackerVsock(vsock, 4242),
                      connectWithin(Duration.ofSeconds(1))))
          .isInstanceOfSatisfying(
              AgentException.class,
              e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.UNREACHABLE))
          .hasMessageContaining("nothing in the guest listens");
      assertThat(bridge.requests).isNotEmpty().allMatch(r -> r.equals("CONNECT 4242"));
    }
  }
}
