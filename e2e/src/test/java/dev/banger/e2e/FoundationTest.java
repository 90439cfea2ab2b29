package dev.banger.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** CLI-to-daemon round trips through the built {@code build/bin} programs. */
class FoundationTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  @Test
  void vmLsStartsTheDaemonAndPrintsAnEmptyList(@TempDir Path dir) throws Exception {
    try (Banger banger = new Banger(dir)) {
      Banger.Result r = banger.run("vm", "ls", "-o", "json");

      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo("[]\n");
      assertThat(r.err()).isEmpty();
      assertThat(banger.daemonPid()).isPositive();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(banger.socket())))
          .isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(banger.runtimeDir())))
          .isEqualTo("rwx------");
    }
  }

  @Test
  void versionShowsClientAndDaemon(@TempDir Path dir) throws Exception {
    try (Banger banger = new Banger(dir)) {
      Banger.Result r = banger.run("version", "-o", "json");

      JsonNode v = JSON.readTree(r.out());
      assertThat(v.path("client").path("program").asString()).isEqualTo("banger");
      assertThat(v.path("daemon").path("program").asString()).isEqualTo("bangerd");
      assertThat(banger.run("version").out()).contains("Client: banger", "Daemon: bangerd");
    }
  }

  @Test
  void doctorJsonMatchesWhatThisHostHas(@TempDir Path dir) throws Exception {
    try (Banger banger = new Banger(dir)) {
      Banger.Result r = banger.run("doctor", "--json");

      JsonNode report = JSON.readTree(r.out());
      Map<String, JsonNode> checks = new HashMap<>();
      report.path("checks").forEach(c -> checks.put(c.path("name").asString(), c));
      boolean failed = false;
      for (JsonNode c : checks.values()) {
        failed |= c.path("required").asBoolean() && "fail".equals(c.path("status").asString());
      }
      assertThat(r.exit()).isEqualTo(failed ? 1 : 0);
      if (Files.isDirectory(Path.of("/sys/module/kvm_pvm"))) {
        assertThat(checks.get("kvm").path("detail").asString())
            .startsWith("present but unusable: QEMU will use software emulation");
        assertThat(report.path("accel").asString()).isEqualTo("tcg");
      }
      if (!Files.exists(Path.of("/dev/mapper/control"))) {
        assertThat(checks.get("device-mapper").path("status").asString()).isEqualTo("warn");
        assertThat(checks.get("device-mapper").path("detail").asString()).contains("missing");
      }
      if (Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64"))) {
        assertThat(checks.get("qemu").path("status").asString()).isEqualTo("ok");
        assertThat(checks.get("qemu").path("detail").asString()).contains("microvm");
        assertThat(report.path("vmm").asString()).isEqualTo("qemu");
      }
    }
  }

  @Test
  void killNineOfTheDaemonIsRecoveredByTheNextCall(@TempDir Path dir) throws Exception {
    try (Banger banger = new Banger(dir)) {
      assertThat(banger.run("vm", "ls").exit()).isZero();
      long first = banger.daemonPid();
      ProcessHandle daemon = ProcessHandle.of(first).orElseThrow();

      daemon.destroyForcibly();
      daemon.onExit().get();
      assertThat(banger.socket()).as("a stale socket is left behind").exists();

      Banger.Result r = banger.run("vm", "ls", "-o", "json");
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo("[]\n");
      assertThat(banger.daemonPid()).isPositive().isNotEqualTo(first);
    }
  }

  @Test
  void daemonStopAndStatus(@TempDir Path dir) throws Exception {
    try (Banger banger = new Banger(dir)) {
      assertThat(banger.run("daemon", "status").exit()).isEqualTo(1);
      assertThat(banger.run("daemon", "start").out()).startsWith("bangerd started (pid ");
      assertThat(banger.run("daemon", "start").out()).startsWith("bangerd already running");
      JsonNode status = JSON.readTree(banger.run("daemon", "status", "-o", "json").out());
      assertThat(status.path("pid").asLong()).isEqualTo(banger.daemonPid());

      Banger.Result stop = banger.run("daemon", "stop");
      assertThat(stop.out()).startsWith("bangerd stopped");
      assertThat(banger.socket()).doesNotExist();
      assertThat(banger.run("daemon", "logs").out()).contains("bangerd stopped");
    }
  }

  @Test
  void sigtermStopsTheDaemonGracefully(@TempDir Path dir) throws Exception {
    try (Banger banger = new Banger(dir)) {
      assertThat(banger.run("daemon", "start").exit()).isZero();
      ProcessHandle daemon = ProcessHandle.of(banger.daemonPid()).orElseThrow();

      assertThat(daemon.destroy()).isTrue();
      daemon.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(banger.socket()).doesNotExist();
      assertThat(Files.readString(banger.stateDir().resolve("bangerd.log")))
          .contains("bangerd shutting down", "bangerd stopped");
    }
  }

  @Test
  void exitCodesSeparateUsageErrorsFromFailures(@TempDir Path dir) throws Exception {
    try (Banger banger = new Banger(dir)) {
      assertThat(banger.run("vm", "ls", "--bogus").exit()).isEqualTo(2);
      Banger.Result missing = banger.run("vm", "show", "no-such-vm");
      assertThat(missing.exit()).isEqualTo(1);
      assertThat(missing.err()).startsWith("banger: no VM named or with id 'no-such-vm'");
      assertThat(missing.out()).isEmpty();
    }
  }

  @Test
  void invalidConfigIsReportedWithLineAndKey(@TempDir Path dir) throws Exception {
    try (Banger banger = new Banger(dir)) {
      Files.createDirectories(banger.configDir());
      Files.writeString(banger.configDir().resolve("config.toml"), "vm_cpus = 2\nvm_cpu = 4\n");

      Banger.Result r = banger.run("vm", "ls");

      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err())
          .contains("config.toml:2:1: unknown key 'vm_cpu'")
          .contains("daemon log: " + banger.stateDir().resolve("bangerd.log"));
    }
  }

  @Test
  void theCliWorksForAnUnprivilegedUser(@TempDir Path dir) throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "needs setpriv (util-linux) to drop to an unprivileged user");
    Path home = Files.createDirectory(dir.resolve("home"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxrwxrwx"));
    List<String> asNobody =
        List.of(
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=" + home);
    try (Banger banger = new Banger(home, asNobody)) {
      Banger.Result r = banger.run("vm", "ls", "-o", "json");
      assumeTrue(
          !r.err().contains("Permission denied"),
          "the checkout is not readable by an unprivileged user: " + r.err());

      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).isEqualTo("[]\n");
      JsonNode report = JSON.readTree(banger.run("doctor", "--json").out());
      report
          .path("checks")
          .forEach(
              c -> {
                if ("root".equals(c.path("name").asString())) {
                  assertThat(c.path("status").asString()).isEqualTo("warn");
                  assertThat(c.path("remedy").asString()).contains("root");
                }
              });
    }
  }
}
