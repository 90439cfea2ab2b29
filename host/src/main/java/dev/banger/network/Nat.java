package dev.banger.network;

import dev.banger.hostos.CommandResult;
import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source NAT from the VM subnet to the host's default-route interface, with IPv4 forwarding
 * switched on. Written with nftables where {@code nft} is installed, otherwise with iptables.
 * {@link #ensure} replaces banger's rules as a whole, so calling it again (for example after the
 * default route moved to another interface) leaves exactly one set of rules.
 *
 * <p>Limitations: {@code net.ipv4.ip_forward} is left on by {@link #remove}, since other software
 * on the host may rely on it. With nftables, banger's forward accept cannot override a {@code drop}
 * verdict from another table (such as a host firewall's); doctor should say so.
 *
 * <p>Immutable and thread-safe; the daemon calls it once at start and at shutdown.
 */
public final class Nat {
  private static final Logger LOG = LoggerFactory.getLogger(Nat.class);

  private final IpTool ip;
  private final NatBackend backend;

  /** NAT through {@code runner} with the first backend installed: nftables, then iptables. */
  public Nat(CommandRunner runner) throws NetworkException {
    this(
        runner,
        installedBackend()
            .orElseThrow(
                () ->
                    new NetworkException(
                        "neither nft nor iptables is installed: install the Debian package"
                            + " nftables to give VMs outbound access")));
  }

  /** NAT through {@code runner} with the given backend. */
  public Nat(CommandRunner runner, NatBackend backend) {
    this.ip = new IpTool(runner);
    this.backend = backend;
  }

  /** The first backend found on {@code PATH}, nftables first; empty when neither is. */
  public static Optional<NatBackend> installedBackend() {
    for (NatBackend candidate : NatBackend.values()) {
      if (CommandRunner.onPath(candidate.program())) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The backend rules are written with. */
  public NatBackend backend() {
    return backend;
  }

  /**
   * Makes traffic from {@code subnet} on {@code bridge} leave masqueraded through the current
   * default-route interface, and turns on IPv4 forwarding.
   *
   * @return the uplink interface the rules use
   * @throws NetworkException when the host has no default route or a command fails
   */
  public String ensure(Subnet subnet, String bridge) throws NetworkException {
    IpTool.requireNetAdmin("set up NAT for " + subnet);
    String uplink =
        ip.defaultRouteInterface()
            .orElseThrow(
                () ->
                    new NetworkException(
                        ("cannot set up NAT for %s: the host has no default IPv4 route to send"
                                + " VM traffic out of")
                            .formatted(subnet)));

    switch (backend) {
      case NFTABLES -> nft(NatRules.nftRuleset(subnet, bridge, uplink), "set up NAT for " + subnet);
      case IPTABLES -> {
        removeIptablesRules();
        for (IptablesRule rule : NatRules.iptablesRules(subnet, bridge, uplink)) {
          ip.check(rule.insertCommand(), "add iptables rule " + rule.specification());
        }
      }
    }

    ip.check(List.of("sysctl", "-q", "-w", "net.ipv4.ip_forward=1"), "turn on IPv4 forwarding");
    LOG.info("NAT from {} on {} out of {} with {}", subnet, bridge, uplink, backend.program());
    return uplink;
  }

  /** Removes every banger NAT and forwarding rule; does nothing when there are none. */
  public void remove() throws NetworkException {
    IpTool.requireNetAdmin("remove banger's NAT rules");
    switch (backend) {
      case NFTABLES -> nft(NatRules.nftRemoval(), "remove nftables table ip banger");
      case IPTABLES -> removeIptablesRules();
    }
  }

  private void removeIptablesRules() throws NetworkException {
    for (String table : List.of("nat", "filter")) {
      CommandResult listing =
          ip.check(List.of("iptables", "-t", table, "-S"), "list iptables table " + table);
      for (List<String> deletion : NatRules.iptablesDeletions(table, listing.stdout())) {
        ip.check(deletion, "delete iptables rule " + String.join(" ", deletion));
      }
    }
  }

  private void nft(String script, String action) throws NetworkException {
    CommandResult result;
    try {
      result = ip.runner().run(List.of("nft", "-f", "-"), script.getBytes(StandardCharsets.UTF_8));
    } catch (HostOsException e) {
      throw new NetworkException("could not " + action, e);
    }
    if (!result.succeeded()) {
      throw new NetworkException(
          "could not %s: nft exited with status %d: %s"
              .formatted(action, result.exitCode(), result.stderr().strip()));
    }
  }
}
