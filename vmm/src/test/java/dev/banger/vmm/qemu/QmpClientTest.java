package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.vmm.TestGuest;
import dev.banger.vmm.UnixSockets;
import dev.banger.vmm.VmmSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Talks QMP to a real QEMU started paused ({@code -S}), so no guest code runs. */
class QmpClientTest {
  private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path tmp;
  private Process qemu;
  private Path qmp;

  @BeforeEach
  void startPausedQemu() throws Exception {
    assumeTrue(Files.isExecutable(QEMU), "qemu-system-x86_64 is not installed at " + QEMU);
    qmp = tmp.resolve("qmp.sock");
    QemuCommandLine command =
        QemuCommandLine.builder(QEMU)
            .accel(VmmSpec.Accel.TCG)
            .kernel(TestGuest.kernel())
            .append("console=ttyS0")
            .qmpSocket(qmp)
            .paused()
            .build();
    qemu =
        new ProcessBuilder(command.arguments())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("qemu.out").toFile())
            .start();
    UnixSockets.awaitAccepting(qmp, qemu.toHandle(), TIMEOUT, "QMP socket");
  }

  @AfterEach
  void stopQemu() throws Exception {
    if (qemu != null) {
      qemu.destroyForcibly();
      qemu.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void pausedQemuReportsPrelaunchAndRunsAfterCont() throws Exception {
    try (QmpClient client = QmpClient.connect(qmp, TIMEOUT)) {
      assertThat(client.queryStatus(TIMEOUT)).isEqualTo("prelaunch");

      client.execute("cont", Map.of(), TIMEOUT);

      assertThat(client.queryStatus(TIMEOUT)).isEqualTo("running");
    }
  }

  @Test
  void quitEmitsShutdownEventAndQemuExitsClosingTheSocket() throws Exception {
    try (QmpClient client = QmpClient.connect(qmp, TIMEOUT)) {
      client.quit(TIMEOUT);

      QmpEvent shutdown = client.awaitEvent("SHUTDOWN", TIMEOUT);
      assertThat(shutdown.data()).containsEntry("reason", "\"host-qmp-quit\"");
      client.closed().get(10, TimeUnit.SECONDS);
    }
    assertThat(qemu.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(qemu.exitValue()).isZero();
  }

  @Test
  void powerdownEmitsPowerdownEvent() throws Exception {
    try (QmpClient client = QmpClient.connect(qmp, TIMEOUT)) {
      client.systemPowerdown(TIMEOUT);

      assertThat(client.awaitEvent("POWERDOWN", TIMEOUT).name()).isEqualTo("POWERDOWN");
    }
  }

  @Test
  void unknownCommandFailsQuotingQemusErrorClass() throws Exception {
    try (QmpClient client = QmpClient.connect(qmp, TIMEOUT)) {
      assertThatThrownBy(() -> client.execute("no-such-command", Map.of(), TIMEOUT))
          .isInstanceOf(QmpException.class)
          .hasMessageContaining("no-such-command")
          .hasMessageContaining("CommandNotFound");
      assertThat(client.queryStatus(TIMEOUT)).isEqualTo("prelaunch");
    }
  }

  @Test
  void commandsAfterQemuDiedFailInsteadOfHanging() throws Exception {
    try (QmpClient client = QmpClient.connect(qmp, TIMEOUT)) {
      qemu.destroyForcibly();
      client.closed().get(10, TimeUnit.SECONDS);

      assertThatThrownBy(() -> client.queryStatus(TIMEOUT))
          .isInstanceOf(QmpException.class)
          .hasMessageContaining("closed");
    }
  }
}
