package dev.banger.hostos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PrivilegesTest {

  @Test
  void effectiveUidMatchesWhatTheKernelReports() throws Exception {
    String uidLine =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(line -> line.startsWith("Uid:"))
            .findFirst()
            .orElseThrow();
    int effective = Integer.parseInt(uidLine.split("\\s+", -1)[2]);

    assertThat(Privileges.effectiveUid()).isEqualTo(effective);
    assertThat(Privileges.isRoot()).isEqualTo(effective == 0);
  }

  @Test
  void networkPrivilegeFollowsTheEffectiveCapabilitySet() throws Exception {
    String capLine =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(line -> line.startsWith("CapEff:"))
            .findFirst()
            .orElseThrow();
    long effective = Long.parseUnsignedLong(capLine.substring(7).strip(), 16);

    assertThat(Privileges.canAdministerNetwork())
        .isEqualTo((effective & (1L << Privileges.CAP_NET_ADMIN)) != 0);
  }
}
