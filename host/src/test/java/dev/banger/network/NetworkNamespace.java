package dev.banger.network;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network namespace created for one test ({@code ip netns add banger-test-...}) so that real
 * bridges, TAPs and nftables rules never touch the host's network. Closing deletes it, and with it
 * every interface and rule made inside.
 */
public final class NetworkNamespace implements AutoCloseable {
  private static final CommandRunner HOST = CommandRunner.onHost();

  private final String name;
  private final CommandRunner runner;

  private NetworkNamespace(String name) {
    this.name = name;
    this.runner = HOST.inNetworkNamespace(name);
  }

  /** Creates a fresh namespace with its loopback up. */
  public static NetworkNamespace create() throws HostOsException {
    byte[] random = new byte[4];
    ThreadLocalRandom.current().nextBytes(random);
    NetworkNamespace namespace =
        new NetworkNamespace("banger-test-" + HexFormat.of().formatHex(random));
    HOST.check(List.of("ip", "netns", "add", namespace.name));
    namespace.exec("ip", "link", "set", "lo", "up");
    return namespace;
  }

  /** The namespace's name. */
  public String name() {
    return name;
  }

  /** A runner whose commands run inside the namespace. */
  public CommandRunner runner() {
    return runner;
  }

  /** Runs a command inside the namespace and returns its standard output; fails on error. */
  public String exec(String... argv) throws HostOsException {
    return runner.check(List.of(argv)).stdout();
  }

  /**
   * Connects this namespace to {@code outside} with a veth pair: {@code up0} here with
   * 198.51.100.2/24 and a default route via 198.51.100.1, {@code wan0} there with 198.51.100.1.
   * This gives the namespace a default-route interface, like a host's uplink.
   */
  public void addUplinkTo(NetworkNamespace outside) throws HostOsException {
    exec("ip", "link", "add", "up0", "type", "veth", "peer", "name", "wan0", "netns", outside.name);
    exec("ip", "addr", "add", "198.51.100.2/24", "dev", "up0");
    exec("ip", "link", "set", "up0", "up");
    exec("ip", "route", "add", "default", "via", "198.51.100.1");
    outside.exec("ip", "addr", "add", "198.51.100.1/24", "dev", "wan0");
    outside.exec("ip", "link", "set", "wan0", "up");
  }

  @Override
  public void close() throws HostOsException {
    HOST.check(List.of("ip", "netns", "del", name));
  }
}
