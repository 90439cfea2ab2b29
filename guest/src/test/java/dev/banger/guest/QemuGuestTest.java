package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end in a real guest: QEMU microvm (TCG) with Debian's cloud kernel, the agent as PID 1 of
 * a busybox initramfs, reached over the virtio serial port through QEMU's chardev socket.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QemuGuestTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir static Path work;
  static QemuGuest guest;
  static AgentClient client;

  @BeforeAll
  static void boot() throws Exception {
    guest =
        QemuGuest.boot(
            work,
            "banger.agent=serial banger.ip=10.0.2.15/24 banger.gw=10.0.2.2"
                + " banger.dns=10.0.2.3 banger.hostname=e2e-guest");
    client =
        AgentClient.connect(
            guest.transport(),
            AgentClientOptions.defaults().withConnectTimeout(Duration.ofSeconds(120)));
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (guest != null) {
      guest.close();
    }
  }

  private static String sh(String script) throws Exception {
    ExecResult r = client.run(ExecRequest.of("sh", "-c", script), null, TIMEOUT);
    assertThat(r.status().success()).as(r.stderrText()).isTrue();
    return r.stdoutText();
  }

  @Test
  @Order(1)
  void helloComesFromTheGuestKernelOverTheSerialPort() throws Exception {
    AgentInfo info = client.hello();
    assertThat(info.transport()).isEqualTo("serial");
    assertThat(info.kernel()).contains("cloud-amd64");
    assertThat(info.hostname()).isEqualTo("e2e-guest");
    assertThat(sh("uname -r").strip()).isEqualTo(info.kernel().split(" ")[1]);
  }

  @Test
  @Order(2)
  void initModeRanTheEntrypointAndAppliedTheBootParameters() throws Exception {
    assertThat(guest.console()).contains("entrypoint ran as pid");
    assertThat(sh("ip addr show eth0")).contains("inet 10.0.2.15/24");
    assertThat(sh("ip route")).contains("default via 10.0.2.2");
    assertThat(sh("cat /etc/resolv.conf")).contains("nameserver 10.0.2.3");
    assertThat(sh("hostname").strip()).isEqualTo("e2e-guest");
    // comm holds the first 15 bytes of the program name.
    assertThat(sh("cat /proc/1/comm").strip()).isEqualTo("banger-vsock-ag");
  }

  @Test
  @Order(3)
  void orphansAreReapedByTheAgentAsInit() throws Exception {
    // The shell exits at once; its background child becomes PID 1's, whose job is to reap it.
    String orphan = sh("sleep 0.3 >/dev/null 2>&1 & echo $!").strip();
    String state = "";
    for (int i = 0; i < 300 && !state.equals("gone"); i++) {
      Thread.sleep(100);
      state = sh("cat /proc/" + orphan + "/stat 2>/dev/null || echo gone").strip();
    }
    // Unreaped, the orphan would stay in /proc as a zombie (state Z) for good.
    assertThat(state).isEqualTo("gone");
  }

  @Test
  @Order(4)
  void commandsRunWithPipesATerminalAndAnotherUser() throws Exception {
    ExecResult r =
        client.run(ExecRequest.of("sh", "-c", "echo out; echo err >&2; exit 5"), null, TIMEOUT);
    assertThat(r.stdoutText()).isEqualTo("out\n");
    assertThat(r.stderrText()).isEqualTo("err\n");
    assertThat(r.status().value()).isEqualTo(5);
    assertThat(
            client.run(ExecRequest.of("id", "-u").withUser("nobody"), null, TIMEOUT).stdoutText())
        .isEqualTo("65534\n");
    try (ExecSession s =
        client.exec(
            ExecRequest.of("sh", "-c", "stty size; read x; stty size")
                .withTerminal(new TerminalSize(30, 100)))) {
      Streams.readUntil(s.stdout(), "30 100");
      s.resize(new TerminalSize(40, 120));
      s.stdin().write('\n');
      s.stdin().flush();
      Streams.readUntil(s.stdout(), "40 120");
      assertThat(s.waitFor().success()).isTrue();
    }
  }

  @Test
  @Order(5)
  void filesAndDirectoriesCopyBothWays() throws Exception {
    Path source = Streams.randomFile(work.resolve("payload.bin"), 3 << 20, 99);
    Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rwxr-x---"));
    client.putFile(source, "/tmp/payload.bin");
    assertThat(sh("sha256sum /tmp/payload.bin")).startsWith(Streams.sha256(source));
    assertThat(sh("stat -c %a /tmp/payload.bin").strip()).isEqualTo("750");
    Path back = work.resolve("back.bin");
    client.getFile("/tmp/payload.bin", back);
    assertThat(Streams.sha256(back)).isEqualTo(Streams.sha256(source));

    Path tree = Files.createDirectories(work.resolve("tree/sub"));
    Files.writeString(tree.resolve("a.txt"), "alpha");
    Files.setLastModifiedTime(
        tree.resolve("a.txt"), FileTime.from(Instant.parse("2021-06-01T12:00:00Z")));
    Files.createSymbolicLink(work.resolve("tree/link"), Path.of("sub/a.txt"));
    client.putDirectory(work.resolve("tree"), "/srv/tree");
    assertThat(sh("cat /srv/tree/link")).isEqualTo("alpha");
    assertThat(sh("stat -c %Y /srv/tree/sub/a.txt").strip())
        .isEqualTo(String.valueOf(Instant.parse("2021-06-01T12:00:00Z").getEpochSecond()));
    sh("mkdir -p /srv/made && echo made-in-guest > /srv/made/f && chmod 604 /srv/made/f");
    Path fetched = work.resolve("fetched");
    client.getDirectory("/srv", fetched);
    assertThat(fetched.resolve("made/f")).hasContent("made-in-guest");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(fetched.resolve("made/f"))))
        .isEqualTo("rw----r--");
    assertThat(Files.readSymbolicLink(fetched.resolve("tree/link")))
        .isEqualTo(Path.of("sub/a.txt"));
    assertThat(Files.exists(fetched.resolve("tree/sub/a.txt"), LinkOption.NOFOLLOW_LINKS)).isTrue();
  }

  @Test
  @Order(6)
  void aNewConnectionOnTheSerialPortStartsAFreshSession() throws Exception {
    client.reconnect(TIMEOUT);
    assertThat(sh("echo again")).isEqualTo("again\n");
    assertThat(client.ping()).isPositive();
  }

  @Test
  @Order(7)
  void shutdownPowersTheGuestOff() throws Exception {
    client.shutdown();
    assertThat(guest.awaitExit(TIMEOUT)).as("QEMU exited after the power-off request").isTrue();
    assertThat(guest.console()).contains("reboot: Power down");
  }
}
