package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessIdentityTest {
  @TempDir Path tmp;

  @Test
  void readsStartTimeAndCommandLineOfARunningProcess() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      ProcessIdentity identity = ProcessIdentity.of(sleeper.pid()).orElseThrow();

      assertThat(identity.commandLine()).containsExactly("sleep", "30");
      assertThat(identity.startTimeTicks()).isPositive();
      assertThat(identity.sameProcessAs(ProcessIdentity.of(sleeper.pid()).orElseThrow())).isTrue();
      assertThat(
              identity.sameProcessAs(new ProcessIdentity(sleeper.pid(), 1, identity.commandLine())))
          .isFalse();
    } finally {
      sleeper.destroyForcibly();
      sleeper.waitFor();
    }
  }

  @Test
  void commandNameWithSpacesAndParenthesesDoesNotShiftTheFields() throws Exception {
    Path odd = tmp.resolve("we(ir) d)");
    Files.createSymbolicLink(odd, Path.of("/bin/sleep"));
    Process sleeper = new ProcessBuilder(odd.toString(), "30").start();
    try {
      ProcessIdentity identity = ProcessIdentity.of(sleeper.pid()).orElseThrow();

      long jvmStart =
          ProcessIdentity.of(ProcessHandle.current().pid()).orElseThrow().startTimeTicks();
      assertThat(identity.startTimeTicks()).isGreaterThanOrEqualTo(jvmStart);
      assertThat(identity.commandLine()).containsExactly(odd.toString(), "30");
    } finally {
      sleeper.destroyForcibly();
      sleeper.waitFor();
      Files.delete(odd);
    }
  }

  @Test
  void exitedProcessHasNoIdentity() throws Exception {
    Process done = new ProcessBuilder("true").start();
    done.waitFor(10, TimeUnit.SECONDS);

    assertThat(ProcessIdentity.of(done.pid())).isEmpty();
  }

  @Test
  void exitWatchCompletesWhenAProcessThatIsNotOurChildEnds() throws Exception {
    // sh starts sleep in the background and exits: sleep is re-parented, not our child.
    Process shell = new ProcessBuilder("sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!").start();
    long pid =
        Long.parseLong(
            new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    shell.waitFor();
    ProcessIdentity identity = ProcessIdentity.of(pid).orElseThrow();
    var ended = ProcessExitWatch.watch(identity);

    assertThat(ended).isNotDone();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();

    assertThat(ended.get(5, TimeUnit.SECONDS)).isEmpty();
  }
}
