package dev.banger.hostos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lists the host resources banger creates for VMs, found by their tags rather than by what the
 * daemon remembers: interfaces whose alias is {@code banger-vm=ID}, loop devices whose backing file
 * lies under a VM directory, device-mapper devices named {@code banger-ID}, and processes whose
 * command line names a VM's files. The reaper and the leak tests both rely on it.
 *
 * <p>Immutable and thread-safe. Interface listings go through the given {@link CommandRunner}, so
 * they see the network namespace it runs in; loop and device-mapper devices are host-wide.
 */
public final class HostResources {
  private static final String DELETED_SUFFIX = " (deleted)";
  private static final Path DEVICE_MAPPER_CONTROL = Path.of("/dev/mapper/control");

  private final CommandRunner runner;

  /** Lists resources through {@code runner} (on the host, or inside a network namespace). */
  public HostResources(CommandRunner runner) {
    this.runner = runner;
  }

  /** Every interface whose alias carries a VM tag, in the runner's network namespace. */
  public List<TaggedInterface> taggedInterfaces() throws HostOsException {
    JsonNode links = parse(runner.check(List.of("ip", "-j", "link", "show")));
    List<TaggedInterface> tagged = new ArrayList<>();
    for (JsonNode link : links) {
      String name = link.path("ifname").asString();
      VmTag.fromInterfaceAlias(link.path("ifalias").asString(""))
          .ifPresent(tag -> tagged.add(new TaggedInterface(name, tag)));
    }
    return tagged;
  }

  /** Every loop device attached on the host. */
  public List<LoopDevice> loopDevices() throws HostOsException {
    CommandResult result =
        runner.check(List.of("losetup", "--list", "--json", "--output", "NAME,BACK-FILE,RO"));
    if (result.stdout().isBlank()) {
      return List.of(); // older util-linux prints nothing at all when no device is attached
    }
    List<LoopDevice> devices = new ArrayList<>();
    for (JsonNode device : parse(result).path("loopdevices")) {
      devices.add(loopDevice(device));
    }
    return devices;
  }

  /** The loop devices whose backing file lies under {@code directory}, compared by real path. */
  public List<LoopDevice> loopDevicesUnder(Path directory) throws HostOsException {
    return loopDevices().stream().filter(device -> device.backedFrom(directory)).toList();
  }

  /**
   * The device-mapper devices whose name carries a VM tag ({@code banger-ID}), by name; empty when
   * the host has no device-mapper.
   */
  public List<String> deviceMapperDevices() throws HostOsException {
    if (!Files.exists(DEVICE_MAPPER_CONTROL) || !CommandRunner.onPath("dmsetup")) {
      return List.of();
    }
    CommandResult result = runner.check(List.of("dmsetup", "ls"));
    List<String> names = new ArrayList<>();
    for (String line : result.stdout().lines().toList()) {
      String name = line.split("\\s+", 2)[0];
      if (VmTag.fromDeviceMapperName(name).isPresent()) {
        names.add(name);
      }
    }
    return names;
  }

  /** The processes whose command line names {@code path} or something under it. */
  public List<LinuxProcess> processesMentioning(Path path) throws HostOsException {
    return LinuxProcess.mentioning(path);
  }

  private static LoopDevice loopDevice(JsonNode device) {
    String backing = device.path("back-file").asString("");
    boolean deleted = backing.endsWith(DELETED_SUFFIX);
    if (deleted) {
      backing = backing.substring(0, backing.length() - DELETED_SUFFIX.length());
    }
    return new LoopDevice(
        Path.of(device.path("name").asString()),
        Path.of(backing),
        deleted,
        isTrue(device.path("ro")));
  }

  private static boolean isTrue(JsonNode flag) {
    // util-linux prints booleans as true/false in recent versions and as "1"/"0" in older ones.
    return flag.isBoolean() ? flag.booleanValue() : "1".equals(flag.asString(""));
  }

  private static JsonNode parse(CommandResult result) throws HostOsException {
    try {
      return JsonMapper.shared().readTree(result.stdout());
    } catch (JacksonException e) {
      throw new HostOsException(
          "could not parse the JSON printed by `%s`".formatted(result.display()), e);
    }
  }
}
