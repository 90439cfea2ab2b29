package dev.banger.network;

import dev.banger.hostos.CommandRunner;
import java.util.List;
import java.util.Set;

/**
 * Run by {@link NetworkPrivilegeTest} in a child JVM whose capabilities lack CAP_NET_ADMIN: tries
 * each privileged network operation inside the given namespace and prints one line per operation
 * with the error it got.
 */
public final class WithoutNetAdminProbe {
  private WithoutNetAdminProbe() {}

  /** Arguments: the network namespace to aim the operations at. */
  public static void main(String[] args) {
    CommandRunner runner = CommandRunner.onHost().inNetworkNamespace(args[0]);
    Subnet subnet = Subnet.parse("172.30.0.0/24");
    List<Operation> operations =
        List.of(
            () -> new Bridge(runner, "banger0").ensure(subnet),
            () -> new TapDevices(runner).create("probe0001", "banger0", 0),
            () -> new Nat(runner, NatBackend.NFTABLES).ensure(subnet, "banger0"),
            () -> new NetworkReaper(runner).reap(Set.of()));
    for (Operation operation : operations) {
      try {
        operation.run();
        System.out.println("SUCCEEDED");
      } catch (Exception e) {
        System.out.println(e.getMessage());
      }
    }
  }

  @FunctionalInterface
  private interface Operation {
    void run() throws Exception;
  }
}
