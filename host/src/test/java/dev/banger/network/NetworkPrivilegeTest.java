package dev.banger.network;

import static dev.banger.network.NamespaceTests.assumeNetAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.hostos.CommandResult;
import dev.banger.hostos.CommandRunner;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkPrivilegeTest {

  @Test
  void everyOperationWithoutNetAdminFailsEarlyNamingThePrivilege() throws Exception {
    assumeNetAdmin();
    assumeTrue(CommandRunner.onPath("setpriv"), "needs setpriv (util-linux) to drop a capability");
    String java = ProcessHandle.current().info().command().orElseThrow();
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      CommandResult result =
          CommandRunner.onHost()
              .run(
                  List.of(
                      "setpriv",
                      "--bounding-set",
                      "-net_admin",
                      "--inh-caps",
                      "-net_admin",
                      java,
                      "--enable-native-access=ALL-UNNAMED",
                      "-cp",
                      System.getProperty("java.class.path"),
                      WithoutNetAdminProbe.class.getName(),
                      ns.name()));

      assertThat(result.exitCode()).as(result.stderr()).isZero();
      List<String> lines = result.stdout().lines().toList();
      assertThat(lines).hasSize(4);
      assertThat(lines.get(0)).startsWith("needs root (or CAP_NET_ADMIN): create bridge banger0");
      assertThat(lines.get(1))
          .startsWith("needs root (or CAP_NET_ADMIN): create TAP bgr-probe000 for VM probe0001");
      assertThat(lines.get(2)).startsWith("needs root (or CAP_NET_ADMIN): set up NAT");
      assertThat(lines.get(3)).startsWith("needs root (or CAP_NET_ADMIN): reap");
      assertThat(ns.exec("ip", "-o", "link", "show").lines()).hasSize(1); // only lo
    }
  }
}
