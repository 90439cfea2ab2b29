package dev.banger.hostos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxProcessTest {
  @TempDir Path vmDir;

  @Test
  void processNamingAVmFileIsFoundAndGoneAfterItExits() throws Exception {
    Path console = Files.writeString(vmDir.resolve("console.log"), "booting\n");
    // tail keeps the path in its arguments, as a VMM keeps its disk and socket paths.
    Process process = new ProcessBuilder("tail", "-f", console.toString()).start();
    try {
      assertThat(LinuxProcess.mentioning(vmDir))
          .extracting(LinuxProcess::pid)
          .contains(process.pid());
    } finally {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    assertThat(LinuxProcess.mentioning(vmDir)).isEmpty();
  }

  @Test
  void everyListedProcessHasACommandLine() throws Exception {
    assertThat(LinuxProcess.all())
        .isNotEmpty()
        .allSatisfy(process -> assertThat(process.commandLine()).isNotEmpty())
        .anySatisfy(process -> assertThat(process.pid()).isEqualTo(ProcessHandle.current().pid()));
  }
}
