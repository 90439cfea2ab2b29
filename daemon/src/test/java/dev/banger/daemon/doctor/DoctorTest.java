package dev.banger.daemon.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.api.DoctorCheck;
import dev.banger.api.DoctorReport;
import dev.banger.daemon.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real probes on this host and checks them against what the host really has. */
class DoctorTest {
  private static Map<String, DoctorCheck> run(Config config, Path stateDir) {
    DoctorReport report = new Doctor(config, stateDir, true).run();
    return report.checks().stream()
        .collect(Collectors.toMap(DoctorCheck::name, Function.identity()));
  }

  @Test
  void reportsEveryCheckTheContractNames(@TempDir Path dir) {
    Map<String, DoctorCheck> checks = run(Config.defaults(), dir);

    assertThat(checks.keySet())
        .contains(
            "kvm",
            "firecracker",
            "jailer",
            "qemu",
            "qemu-img",
            "root",
            "tun",
            "bridge",
            "nat",
            "device-mapper",
            "loop",
            "reflink",
            "disk",
            "mkfs.ext4",
            "debootstrap",
            "ssh",
            "vmm");
    checks
        .values()
        .forEach(
            c -> {
              assertThat(c.status()).isIn("ok", "warn", "fail");
              if (!"ok".equals(c.status())) {
                assertThat(c.remedy()).as("remedy of %s", c.name()).isNotBlank();
              }
            });
  }

  @Test
  void kvmVerdictMatchesTheHost(@TempDir Path dir) {
    DoctorCheck kvm = run(Config.defaults(), dir).get("kvm");

    if (Doctor.unsupportedKvmImplementation().isPresent()) {
      assertThat(kvm.status()).isEqualTo("warn");
      assertThat(kvm.detail()).startsWith("present but unusable: QEMU will use software emulation");
    } else if (!Files.exists(Path.of("/dev/kvm"))) {
      assertThat(kvm.detail()).contains("/dev/kvm is missing");
    } else {
      assertThat(kvm.status()).as(kvm.detail()).isIn("ok", "warn");
    }
  }

  @Test
  void deviceMapperVerdictMatchesTheHost(@TempDir Path dir) {
    DoctorCheck dm = run(Config.defaults(), dir).get("device-mapper");

    boolean present = Files.exists(Path.of("/dev/mapper/control"));
    assertThat(dm.status()).isEqualTo(present ? dm.status() : "warn");
    if (!present) {
      assertThat(dm.detail()).contains("missing");
    }
  }

  @Test
  void missingVmmBinariesFailTheVmmCheck(@TempDir Path dir) {
    Config config =
        new Config(
            "/nonexistent/firecracker",
            java.util.Optional.empty(),
            "/nonexistent/qemu",
            java.util.Optional.empty(),
            "debian-bookworm",
            "auto",
            2,
            1024,
            1L << 30,
            "172.30.0.0/24",
            "banger0",
            "1.1.1.1",
            "info");

    DoctorReport report = new Doctor(config, dir, true).run();
    Map<String, DoctorCheck> checks =
        report.checks().stream().collect(Collectors.toMap(DoctorCheck::name, Function.identity()));

    assertThat(checks.get("qemu").status()).isEqualTo("warn");
    assertThat(checks.get("vmm").status()).isEqualTo("fail");
    assertThat(report.failed()).isTrue();
  }

  @Test
  void reflinkProbeSaysNoOnAFilesystemWithoutIt(@TempDir Path dir) {
    DoctorCheck reflink = run(Config.defaults(), dir).get("reflink");

    assertThat(reflink.detail()).contains(dir.toString());
    assertThat(reflink.status()).isIn("ok", "warn");
  }
}
