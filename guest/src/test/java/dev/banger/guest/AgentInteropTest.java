package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client against the real agent binary on the host over a Unix socket: every request kind,
 * terminals and signals, large transfers, many channels at once.
 */
class AgentInteropTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path tmp;
  static AgentProcess agent;
  static AgentClient client;

  @BeforeAll
  static void startAgent() throws Exception {
    agent = AgentProcess.start(tmp.resolve("agent.sock"));
    client = AgentClient.connect(agent.transport());
  }

  @AfterAll
  static void stopAgent() {
    if (client != null) {
      client.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  private static ExecResult run(ExecRequest request) throws Exception {
    return client.run(request, null, TIMEOUT);
  }

  @Test
  void helloNamesTheAgentTheKernelAndTheTransport() {
    AgentInfo info = client.hello();
    assertThat(info.agentVersion()).isNotBlank();
    assertThat(info.kernel()).startsWith("Linux ");
    assertThat(info.transport()).isEqualTo("unix");
    assertThat(info.bootTime()).isBefore(Instant.now());
    assertThat(info.uptime()).isPositive();
  }

  @Test
  void pingComesBack() throws Exception {
    assertThat(client.ping()).isPositive();
  }

  @Test
  void commandDeliversStdoutStderrAndExitStatus() throws Exception {
    ExecResult r = run(ExecRequest.of("sh", "-c", "echo out; echo err >&2; exit 7"));
    assertThat(r.stdoutText()).isEqualTo("out\n");
    assertThat(r.stderrText()).isEqualTo("err\n");
    assertThat(r.status()).isEqualTo(new ExitStatus(false, 7));
  }

  @Test
  void commandReadsStdinToItsEnd() throws Exception {
    byte[] input = new byte[3_000_000];
    new Random(1).nextBytes(input);
    ExecResult r = client.run(ExecRequest.of("sha256sum"), input, TIMEOUT);
    assertThat(r.stdoutText()).startsWith(Streams.sha256(input));
  }

  @Test
  void commandKilledBySignalReportsIt() throws Exception {
    ExecResult r = run(ExecRequest.of("sh", "-c", "kill -TERM $$"));
    assertThat(r.status().signaled()).isTrue();
    assertThat(r.status().code()).isEqualTo(128 + 15);
  }

  @Test
  void missingProgramFailsWithNotFoundNamingIt() {
    assertThatThrownBy(() -> client.exec(ExecRequest.of("no-such-program-banger")))
        .isInstanceOfSatisfying(
            AgentException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.NOT_FOUND))
        .hasMessageContaining("no-such-program-banger");
  }

  @Test
  void commandRunsWithEnvironmentDirectoryAndUser() throws Exception {
    ExecResult r =
        run(
            ExecRequest.of("sh", "-c", "echo $GREETING $(pwd) $(id -u) $HOME")
                .withEnv("GREETING", "hi")
                .withCwd("/tmp")
                .withUser("nobody"));
    assertThat(r.stdoutText()).isEqualTo("hi /tmp 65534 /nonexistent\n");
  }

  @Test
  void terminalCommandSeesItsSizeAndFollowsResizes() throws Exception {
    try (ExecSession s =
        client.exec(
            ExecRequest.of("sh", "-c", "tty; stty size; read line; stty size")
                .withTerminal(new TerminalSize(24, 80)))) {
      assertThat(s.terminal()).isTrue();
      String first = Streams.readUntil(s.stdout(), "24 80");
      assertThat(first).contains("/dev/pts/");
      s.resize(new TerminalSize(50, 132));
      s.stdin().write("\n".getBytes(StandardCharsets.US_ASCII));
      s.stdin().flush();
      Streams.readUntil(s.stdout(), "50 132");
      assertThat(s.waitFor()).isEqualTo(new ExitStatus(false, 0));
      assertThat(s.stderr().read()).isEqualTo(-1);
    }
  }

  @Test
  void interruptSignalReachesTheTerminalsForegroundCommand() throws Exception {
    try (ExecSession s =
        client.exec(
            ExecRequest.of(
                    "sh",
                    "-c",
                    "trap 'echo caught; exit 3' INT; echo ready;" + " while :; do sleep 0.1; done")
                .withTerminal(new TerminalSize(24, 80)))) {
      Streams.readUntil(s.stdout(), "ready");
      s.signal(ExecSession.SIGINT);
      assertThat(Streams.readUntil(s.stdout(), "caught")).contains("caught");
      assertThat(s.waitFor().value()).isEqualTo(3);
    }
  }

  @Test
  void ctrlCTypedOnTheTerminalInterruptsToo() throws Exception {
    try (ExecSession s =
        client.exec(
            ExecRequest.of("sh", "-c", "echo ready; exec sleep 60")
                .withTerminal(new TerminalSize(24, 80)))) {
      Streams.readUntil(s.stdout(), "ready");
      s.stdin().write(3);
      s.stdin().flush();
      ExitStatus status = s.waitFor(TIMEOUT).orElseThrow();
      assertThat(status).isEqualTo(new ExitStatus(true, 2));
    }
  }

  @Test
  void hundredMegabytesTravelEachWayIntact() throws Exception {
    Path source = Streams.randomFile(tmp.resolve("big.bin"), 100L << 20, 42);
    Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r-----"));
    FileTime mtime = FileTime.from(Instant.parse("2024-02-03T04:05:06.789Z"));
    Files.setLastModifiedTime(source, mtime);
    String guestPath = tmp.resolve("uploaded.bin").toString();

    client.putFile(source, guestPath);
    Path uploaded = Path.of(guestPath);
    assertThat(Streams.sha256(uploaded)).isEqualTo(Streams.sha256(source));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(uploaded)))
        .isEqualTo("rw-r-----");
    assertThat(Files.getLastModifiedTime(uploaded)).isEqualTo(mtime);

    Path downloaded = tmp.resolve("downloaded.bin");
    GuestFile info = client.getFile(guestPath, downloaded);
    assertThat(info.directory()).isFalse();
    assertThat(info.size()).isEqualTo(100L << 20);
    assertThat(Streams.sha256(downloaded)).isEqualTo(Streams.sha256(source));
    assertThat(Files.getLastModifiedTime(downloaded)).isEqualTo(mtime);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(downloaded)))
        .isEqualTo("rw-r-----");
    Files.delete(source);
    Files.delete(uploaded);
    Files.delete(downloaded);
  }

  @Test
  void directoriesTravelEachWayWithModesTimesAndLinks() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("tree-src"));
    Path bin = Files.createDirectory(src.resolve("bin"));
    Files.writeString(bin.resolve("run.sh"), "#!/bin/sh\necho run\n");
    Files.setPosixFilePermissions(
        bin.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.writeString(src.resolve("readme"), "read me");
    Files.createSymbolicLink(src.resolve("latest"), Path.of("bin/run.sh"));
    Path deep = Files.createDirectories(src.resolve("a".repeat(80)).resolve("b".repeat(80)));
    Files.writeString(deep.resolve("c".repeat(80)), "deep");
    FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
    Files.setLastModifiedTime(bin.resolve("run.sh"), old);
    Files.setLastModifiedTime(bin, old);
    String guestDir = tmp.resolve("tree-guest").toString();

    client.putDirectory(src, guestDir);
    assertSameTree(src, Path.of(guestDir));
    assertThat(client.run(ExecRequest.of(guestDir + "/latest"), null, TIMEOUT).stdoutText())
        .isEqualTo("run\n");

    Path back = tmp.resolve("tree-back");
    GuestFile info = client.getDirectory(guestDir, back);
    assertThat(info.directory()).isTrue();
    assertSameTree(src, back);
  }

  private static void assertSameTree(Path expected, Path actual) throws IOException {
    try (var walk = Files.walk(expected)) {
      for (Path p : walk.toList()) {
        Path other = actual.resolve(expected.relativize(p).toString());
        assertThat(Files.exists(other, LinkOption.NOFOLLOW_LINKS)).as(other.toString()).isTrue();
        if (Files.isSymbolicLink(p)) {
          assertThat(Files.readSymbolicLink(other)).isEqualTo(Files.readSymbolicLink(p));
          continue;
        }
        assertThat(Files.getPosixFilePermissions(other))
            .as(other.toString())
            .isEqualTo(Files.getPosixFilePermissions(p));
        assertThat(Files.getLastModifiedTime(other).toInstant().getEpochSecond())
            .as(other.toString())
            .isEqualTo(Files.getLastModifiedTime(p).toInstant().getEpochSecond());
        if (Files.isRegularFile(p)) {
          assertThat(Files.readAllBytes(other)).isEqualTo(Files.readAllBytes(p));
        }
      }
    }
  }

  @Test
  void downloadOfAMissingPathFailsWithNotFoundNamingIt() {
    String missing = tmp.resolve("not-there").toString();
    assertThatThrownBy(() -> client.get(missing, tmp.resolve("x")))
        .isInstanceOfSatisfying(
            AgentException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.NOT_FOUND))
        .hasMessageContaining(missing);
    assertThat(tmp.resolve("x")).doesNotExist();
  }

  @Test
  void fileDownloadOfADirectoryIsRefusedBeforeCopying() {
    assertThatThrownBy(() -> client.getFile(tmp.toString(), tmp.resolve("y")))
        .isInstanceOfSatisfying(
            AgentException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.INVALID))
        .hasMessageContaining("is a directory");
  }

  @Test
  void uploadIntoAMissingDirectoryFailsNamingIt() throws Exception {
    Path source = Files.writeString(tmp.resolve("small.txt"), "small");
    String target = tmp.resolve("no-dir/small.txt").toString();
    assertThatThrownBy(() -> client.putFile(source, target))
        .isInstanceOfSatisfying(
            AgentException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.NOT_FOUND))
        .hasMessageContaining("no-dir");
  }

  @Test
  void hundredChannelsOpenAtOnceEachKeepTheirOwnData() throws Exception {
    List<ExecSession> sessions = new ArrayList<>();
    List<byte[]> inputs = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) {
        sessions.add(client.exec(ExecRequest.of("cat")));
        byte[] input = new byte[100_000 + i * 3_000];
        new Random(i).nextBytes(input);
        inputs.add(input);
      }
      List<CompletableFuture<byte[]>> outputs = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        ExecSession s = sessions.get(i);
        byte[] input = inputs.get(i);
        Thread.ofVirtual()
            .start(
                () -> {
                  try (OutputStream in = s.stdin()) {
                    in.write(input);
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
        outputs.add(CompletableFuture.supplyAsync(() -> readAll(s.stdout())));
      }
      for (int i = 0; i < 100; i++) {
        assertThat(outputs.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(inputs.get(i));
        assertThat(sessions.get(i).waitFor().success()).isTrue();
      }
    } finally {
      sessions.forEach(ExecSession::close);
    }
  }

  @Test
  void aChannelNobodyReadsDoesNotStallTheOthers() throws Exception {
    try (ExecSession flood = client.exec(ExecRequest.of("head", "-c", "20000000", "/dev/zero"))) {
      // Nobody reads the flood: the agent stops at the window and the others go on.
      ExecResult quick = run(ExecRequest.of("echo", "still moving"));
      assertThat(quick.stdoutText()).isEqualTo("still moving\n");
      assertThat(client.ping()).isPositive();
      assertThat(flood.isDone()).isFalse();
      assertThat(flood.stdout().transferTo(OutputStream.nullOutputStream())).isEqualTo(20_000_000);
      assertThat(flood.waitFor().success()).isTrue();
    }
  }

  @Test
  void dialReachesAGuestPortAndHalfClosesCleanly() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      CompletableFuture<String> serverSaw =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket s = server.accept()) {
                  byte[] hello = s.getInputStream().readNBytes(6);
                  s.getOutputStream()
                      .write(
                          ("echo:" + new String(hello, StandardCharsets.US_ASCII))
                              .getBytes(StandardCharsets.US_ASCII));
                  byte[] rest = s.getInputStream().readAllBytes();
                  return new String(rest, StandardCharsets.US_ASCII);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      try (GuestConnection c = client.dial(server.getLocalPort())) {
        c.output().write("hello\nbye".getBytes(StandardCharsets.US_ASCII));
        c.output().flush();
        c.output().close();
        assertThat(new String(c.input().readAllBytes(), StandardCharsets.US_ASCII))
            .isEqualTo("echo:hello\n");
      }
      assertThat(serverSaw.get(10, TimeUnit.SECONDS)).isEqualTo("bye");
    }
  }

  @Test
  void dialToAPortNobodyListensOnIsRefused() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    assertThatThrownBy(() -> client.dial(port))
        .isInstanceOfSatisfying(
            AgentException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentException.Reason.REFUSED))
        .hasMessageContaining(String.valueOf(port));
  }

  private static byte[] readAll(InputStream in) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
