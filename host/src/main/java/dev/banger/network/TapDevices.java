package dev.banger.network;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.Privileges;
import dev.banger.hostos.VmTag;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Creates and removes the persistent TAP device of each VM: named {@code bgr-} plus the first 8
 * characters of the VM id, owned by the user the VMM runs as, attached to the bridge, up, and
 * tagged with the alias {@code banger-vm=ID} so that the reaper finds it by tag.
 *
 * <p>The TAP is made with {@code ip tuntap add} rather than {@code ioctl(TUNSETIFF)} through FFM:
 * an ioctl acts in the network namespace of the calling JVM, while a command goes through the same
 * {@link CommandRunner} as every other network step and so also works inside the namespace a runner
 * targets; a persistent, owned TAP takes three ioctls that {@code ip} already does.
 *
 * <p>Immutable and thread-safe; concurrent calls must be for different VMs.
 */
public final class TapDevices {
  private static final Logger LOG = LoggerFactory.getLogger(TapDevices.class);

  /** The prefix of every TAP name. */
  public static final String NAME_PREFIX = "bgr-";

  private static final int ID_CHARACTERS = 8;
  private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

  private final IpTool ip;

  /** TAPs configured through {@code runner}. */
  public TapDevices(CommandRunner runner) {
    this.ip = new IpTool(runner);
  }

  /** The TAP name of VM {@code vmId}: {@code bgr-} and the first 8 characters of the id. */
  public static String nameFor(String vmId) {
    String id = new VmTag(vmId).vmId();
    return NAME_PREFIX + id.substring(0, Math.min(ID_CHARACTERS, id.length()));
  }

  /**
   * Creates the TAP of VM {@code vmId}, attached to {@code bridge} and up.
   *
   * @param ownerUid the user that may open the TAP (the VMM's user)
   * @return the TAP name
   * @throws NetworkException when a TAP of that name belongs to another VM, or a step fails; a TAP
   *     left half-made by a failed step is removed
   */
  public String create(String vmId, String bridge, int ownerUid) throws NetworkException {
    VmTag tag = new VmTag(vmId);
    String name = nameFor(vmId);
    IpTool.requireNetAdmin("create TAP %s for VM %s".formatted(name, vmId));
    removeLeftoverOf(tag, name);

    ip.check(
        List.of(
            "ip", "tuntap", "add", "dev", name, "mode", "tap", "user", Integer.toString(ownerUid)),
        "create TAP " + name);
    try {
      configure(name, tag, bridge);
    } catch (NetworkException e) {
      undoCreate(name, e);
      throw e;
    }
    LOG.info("created TAP {} on {} for VM {}", name, bridge, vmId);
    return name;
  }

  /** Like {@link #create(String, String, int)}, owned by the user this process runs as. */
  public String create(String vmId, String bridge) throws NetworkException {
    return create(vmId, bridge, Privileges.effectiveUid());
  }

  /** Deletes TAP {@code name}; does nothing if it does not exist. */
  public void remove(String name) throws NetworkException {
    checkInterfaceName(name);
    IpTool.requireNetAdmin("remove TAP " + name);
    if (ip.link(name).isPresent()) {
      ip.check(List.of("ip", "link", "del", "dev", name), "remove TAP " + name);
      LOG.info("removed TAP {}", name);
    }
  }

  /** True when an interface called {@code name} exists. */
  public boolean exists(String name) throws NetworkException {
    return ip.link(checkInterfaceName(name)).isPresent();
  }

  /** Checks that {@code name} is a valid Linux interface name (at most 15 safe characters). */
  static String checkInterfaceName(String name) {
    if (name == null || !INTERFACE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "'%s' is not a usable interface name: 1 to 15 letters, digits, '_', '.' or '-'"
              .formatted(name));
    }
    return name;
  }

  private void configure(String name, VmTag tag, String bridge) throws NetworkException {
    // Tag first: if anything below fails and the undo fails too, the reaper still finds it.
    ip.check(
        List.of("ip", "link", "set", "dev", name, "alias", tag.interfaceAlias()),
        "tag TAP " + name);
    ip.check(
        List.of("ip", "link", "set", "dev", name, "master", bridge),
        "attach TAP %s to bridge %s".formatted(name, bridge));
    ip.check(List.of("ip", "link", "set", "dev", name, "up"), "bring TAP " + name + " up");
  }

  private void removeLeftoverOf(VmTag tag, String name) throws NetworkException {
    Optional<JsonNode> existing = ip.link(name);
    if (existing.isEmpty()) {
      return;
    }
    String alias = existing.orElseThrow().path("ifalias").asString("");
    if (!alias.equals(tag.interfaceAlias())) {
      throw new NetworkException(
          "cannot create TAP %s for VM %s: an interface of that name exists with alias '%s'"
              .formatted(name, tag.vmId(), alias));
    }
    LOG.info("removing leftover TAP {} of VM {} before recreating it", name, tag.vmId());
    ip.check(List.of("ip", "link", "del", "dev", name), "remove leftover TAP " + name);
  }

  private void undoCreate(String name, NetworkException failure) {
    try {
      ip.check(List.of("ip", "link", "del", "dev", name), "remove half-made TAP " + name);
    } catch (NetworkException e) {
      failure.addSuppressed(e);
    }
  }
}
