package dev.banger.hostos;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The mark that ties a host resource to the VM that owns it, so that {@code vm rm} and the reaper
 * at daemon start find leftovers by looking at the host rather than at the daemon's memory.
 * Interfaces carry it in their alias ({@code banger-vm=ID}), device-mapper devices in their name
 * ({@code banger-ID}), loop devices and files through a path under the VM directory.
 *
 * <p>The VM id is restricted to letters, digits, {@code _} and {@code -} (at most 64, starting with
 * a letter or digit) so that it is safe in interface aliases, device names and paths.
 *
 * <p>Immutable and thread-safe.
 *
 * @param vmId the owning VM's id
 */
public record VmTag(String vmId) {
  private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
  private static final String ALIAS_PREFIX = "banger-vm=";
  private static final String DEVICE_MAPPER_PREFIX = "banger-";

  /** Rejects ids that could not be used safely in names, aliases and paths. */
  public VmTag {
    if (vmId == null || !VALID_ID.matcher(vmId).matches()) {
      throw new IllegalArgumentException(
          "VM id '%s' is not usable as a host resource tag: it must be 1 to 64 letters, digits,"
                  .formatted(vmId)
              + " '_' or '-', starting with a letter or digit");
    }
  }

  /** The interface alias that marks a TAP as this VM's: {@code banger-vm=ID}. */
  public String interfaceAlias() {
    return ALIAS_PREFIX + vmId;
  }

  /** The device-mapper name of this VM's root disk snapshot: {@code banger-ID}. */
  public String deviceMapperName() {
    return DEVICE_MAPPER_PREFIX + vmId;
  }

  /** The tag carried by an interface alias, or empty when the alias is not a banger tag. */
  public static Optional<VmTag> fromInterfaceAlias(String alias) {
    return fromSuffix(alias, ALIAS_PREFIX);
  }

  /** The tag carried by a device-mapper name, or empty when the name is not banger's. */
  public static Optional<VmTag> fromDeviceMapperName(String name) {
    return fromSuffix(name, DEVICE_MAPPER_PREFIX);
  }

  private static Optional<VmTag> fromSuffix(String text, String prefix) {
    if (text == null || !text.startsWith(prefix)) {
      return Optional.empty();
    }
    String id = text.substring(prefix.length());
    return VALID_ID.matcher(id).matches() ? Optional.of(new VmTag(id)) : Optional.empty();
  }
}
