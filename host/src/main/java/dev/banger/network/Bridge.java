package dev.banger.network;

import dev.banger.hostos.CommandRunner;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The Linux bridge the VMs' TAPs are attached to ({@code banger0} by default), holding the subnet's
 * gateway address. {@link #ensure} makes it exist, carry the gateway and be up, and does nothing
 * more when it already does.
 *
 * <p>Limitations: an address from an earlier subnet setting stays on the bridge next to the new
 * gateway; it is harmless for routing and goes when the bridge is removed.
 *
 * <p>Immutable and thread-safe; concurrent {@code ensure} calls for the same bridge may race on its
 * creation, so the daemon calls it once at start.
 */
public final class Bridge {
  private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);

  private final IpTool ip;
  private final String name;

  /** The bridge called {@code name}, configured through {@code runner}. */
  public Bridge(CommandRunner runner, String name) {
    this.ip = new IpTool(runner);
    this.name = TapDevices.checkInterfaceName(name);
  }

  /** The bridge's interface name. */
  public String name() {
    return name;
  }

  /** True when an interface with this name exists. */
  public boolean exists() throws NetworkException {
    return ip.link(name).isPresent();
  }

  /**
   * Creates the bridge if missing, gives it {@code subnet}'s gateway address if it lacks it, and
   * brings it up.
   *
   * @throws NetworkException when an interface of that name exists but is not a bridge, or a
   *     command fails
   */
  public void ensure(Subnet subnet) throws NetworkException {
    IpTool.requireNetAdmin("create bridge " + name);
    Optional<JsonNode> existing = ip.link(name);
    if (existing.isEmpty()) {
      ip.check(
          List.of("ip", "link", "add", "name", name, "type", "bridge"), "create bridge " + name);
      LOG.info("created bridge {}", name);
    } else {
      requireBridge(existing.orElseThrow());
    }

    String gateway = subnet.withPrefix(subnet.gateway());
    if (!ip.ipv4Addresses(name).contains(gateway)) {
      ip.check(
          List.of("ip", "addr", "add", gateway, "dev", name),
          "give bridge %s the gateway address %s".formatted(name, gateway));
    }

    ip.check(List.of("ip", "link", "set", "dev", name, "up"), "bring bridge " + name + " up");
  }

  /** Deletes the bridge if it exists (its TAPs are detached, not deleted). */
  public void remove() throws NetworkException {
    IpTool.requireNetAdmin("remove bridge " + name);
    Optional<JsonNode> existing = ip.link(name);
    if (existing.isPresent()) {
      requireBridge(existing.orElseThrow());
      ip.check(List.of("ip", "link", "del", "dev", name), "remove bridge " + name);
      LOG.info("removed bridge {}", name);
    }
  }

  private void requireBridge(JsonNode link) throws NetworkException {
    String kind = link.path("linkinfo").path("info_kind").asString("");
    if (!"bridge".equals(kind)) {
      throw new NetworkException(
          ("interface %s exists but is a %s, not a bridge: remove it or configure another"
                  + " bridge name")
              .formatted(name, kind.isEmpty() ? "device without link kind" : kind));
    }
  }
}
