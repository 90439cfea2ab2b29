package dev.banger.network;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import dev.banger.hostos.HostResources;
import dev.banger.hostos.TaggedInterface;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Removes the network interfaces of VMs that no longer exist: every interface whose alias is {@code
 * banger-vm=ID} for an ID not among the live VMs, and every untagged TAP named {@code bgr-...} that
 * no live VM's name matches (left when the daemon died between creating a TAP and tagging it). The
 * daemon runs it at start with the ids of the VMs in its store.
 *
 * <p>Immutable and thread-safe; runs should not overlap with VM creation.
 */
public final class NetworkReaper {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkReaper.class);

  private final IpTool ip;
  private final HostResources resources;

  /** Lists and removes through {@code runner}. */
  public NetworkReaper(CommandRunner runner) {
    this.ip = new IpTool(runner);
    this.resources = new HostResources(runner);
  }

  /**
   * Removes the interfaces of VMs not in {@code liveVmIds}.
   *
   * @return the names of the interfaces removed
   */
  public List<String> reap(Set<String> liveVmIds) throws NetworkException {
    IpTool.requireNetAdmin("reap network interfaces of removed VMs");
    List<String> removed = new ArrayList<>();
    for (TaggedInterface tagged : tagged()) {
      if (!liveVmIds.contains(tagged.tag().vmId())) {
        delete(tagged.name(), "VM " + tagged.tag().vmId(), removed);
      }
    }
    Set<String> liveTapNames = Set.copyOf(liveVmIds.stream().map(TapDevices::nameFor).toList());
    for (JsonNode link : ip.links()) {
      String name = link.path("ifname").asString("");
      boolean untaggedTap =
          name.startsWith(TapDevices.NAME_PREFIX)
              && link.path("ifalias").asString("").isEmpty()
              && "tun".equals(link.path("linkinfo").path("info_kind").asString(""));
      if (untaggedTap && !liveTapNames.contains(name)) {
        delete(name, "untagged", removed);
      }
    }
    return removed;
  }

  private List<TaggedInterface> tagged() throws NetworkException {
    try {
      return resources.taggedInterfaces();
    } catch (HostOsException e) {
      throw new NetworkException("could not list tagged interfaces", e);
    }
  }

  private void delete(String name, String owner, List<String> removed) throws NetworkException {
    ip.check(
        List.of("ip", "link", "del", "dev", name), "reap interface %s (%s)".formatted(name, owner));
    LOG.info("reaped interface {} ({})", name, owner);
    removed.add(name);
  }
}
