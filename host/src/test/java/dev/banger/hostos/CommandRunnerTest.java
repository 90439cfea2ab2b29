package dev.banger.hostos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandRunnerTest {
  private final CommandRunner host = CommandRunner.onHost();

  @Test
  void runCapturesOutputErrorAndStatus() throws Exception {
    CommandResult result = host.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"));

    assertThat(result.stdout()).isEqualTo("out\n");
    assertThat(result.stderr()).isEqualTo("err\n");
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.succeeded()).isFalse();
  }

  @Test
  void checkFailureNamesCommandStatusAndStandardError() {
    assertThatThrownBy(() -> host.check(List.of("sh", "-c", "echo broken pipe >&2; exit 7")))
        .isInstanceOf(HostOsException.class)
        .hasMessageContaining("sh -c echo broken pipe >&2; exit 7")
        .hasMessageContaining("status 7")
        .hasMessageContaining("broken pipe");
  }

  @Test
  void standardInputReachesTheCommand() throws Exception {
    byte[] input = "line one\nline two\n".repeat(20_000).getBytes(StandardCharsets.UTF_8);

    CommandResult result = host.check(List.of("wc", "-l"), input);

    assertThat(result.stdout().strip()).isEqualTo("40000");
  }

  @Test
  void missingProgramIsReportedByName() {
    assertThatThrownBy(() -> host.run(List.of("banger-no-such-program", "x")))
        .isInstanceOf(HostOsException.class)
        .hasMessageContaining("banger-no-such-program");
  }

  @Test
  void commandOverItsTimeLimitIsKilledAndReported() {
    CommandRunner impatient = host.withTimeout(Duration.ofMillis(300));

    assertThatThrownBy(() -> impatient.run(List.of("sleep", "30")))
        .isInstanceOf(HostOsException.class)
        .hasMessageContaining("sleep 30")
        .hasMessageContaining("killed");
  }

  @Test
  void namespacePrefixComesBeforeTheCommand() {
    CommandRunner inside = host.inNetworkNamespace("banger-test-ns");

    assertThat(inside.prefix()).containsExactly("ip", "netns", "exec", "banger-test-ns");
  }

  @Test
  void onPathFindsInstalledProgramsOnly() {
    assertThat(CommandRunner.onPath("sh")).isTrue();
    assertThat(CommandRunner.onPath("banger-no-such-program")).isFalse();
  }
}
