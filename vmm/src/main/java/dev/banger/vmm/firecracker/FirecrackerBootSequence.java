package dev.banger.vmm.firecracker;

import dev.banger.vmm.KernelCommandLine;
import dev.banger.vmm.VmmException;
import dev.banger.vmm.VmmSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Configures a freshly spawned Firecracker through its API and boots the guest, one named step per
 * request. Logger and metrics come first so that Firecracker's own account of any later failure
 * lands in its log; InstanceStart comes last because every other resource here is pre-boot only.
 *
 * <p>Stateless, so thread-safe.
 */
final class FirecrackerBootSequence {
  private static final Logger LOG = LoggerFactory.getLogger(FirecrackerBootSequence.class);
  private static final JsonNodeFactory NODES = JsonMapper.builder().build().getNodeFactory();

  /**
   * Firecracker's own default command line is {@code reboot=k panic=1 pci=off nomodule
   * 8250.nr_uarts=0 i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd}, tuned for fast boots;
   * setting {@code boot_args} replaces it, so the driver puts it back, minus two parameters banger
   * cannot have: {@code 8250.nr_uarts=0} would remove the serial console banger logs, and {@code
   * nomodule} would stop Debian's kernels loading their virtio modules. The console goes on the
   * first UART.
   */
  static final List<String> DRIVER_KERNEL_PARAMS =
      List.of(
          "reboot=k",
          "panic=1",
          "pci=off",
          "i8042.noaux",
          "i8042.nomux",
          "i8042.nopnp",
          "i8042.dumbkbd",
          "console=ttyS0");

  /** What Firecracker answers for a resource it does not know, as versions before PUT /serial. */
  private static final String UNKNOWN_RESOURCE = "Invalid request method and/or path";

  private FirecrackerBootSequence() {}

  /**
   * Runs every configuration step and InstanceStart. Returns the file that really receives the
   * guest console: the serial log, or Firecracker's stdout file on versions without PUT /serial.
   *
   * @param inJail where host files appear inside the jail (empty without the jailer)
   */
  static Path configureAndStart(
      FirecrackerApi api, VmmSpec spec, FirecrackerLayout layout, Map<Path, Path> inJail)
      throws VmmException, InterruptedException {
    api.put("configuring logger", "/logger", logger(layout));
    api.put(
        "configuring metrics",
        "/metrics",
        object().put("metrics_path", vmm(layout, layout.metrics())));
    api.put("configuring machine-config", "/machine-config", machine(spec));
    api.put("configuring boot-source", "/boot-source", bootSource(spec, layout, inJail));

    if (spec.rootDisk().isPresent()) {
      Path root = spec.rootDisk().get();
      api.put(
          "configuring drive rootfs",
          "/drives/rootfs",
          drive("rootfs", vmm(layout, inJail.getOrDefault(root, root)), true, false));
    }
    for (VmmSpec.Disk disk : spec.extraDisks()) {
      Path path = inJail.getOrDefault(disk.path(), disk.path());
      api.put(
          "configuring drive " + disk.id(),
          "/drives/" + disk.id(),
          drive(disk.id(), vmm(layout, path), false, disk.readOnly()));
    }
    if (spec.network().orElse(null) instanceof VmmSpec.Tap tap) {
      api.put("configuring network-interfaces eth0", "/network-interfaces/eth0", network(tap));
    }
    if (spec.vsock().isPresent()) {
      ObjectNode vsock =
          object()
              .put("guest_cid", spec.vsock().get().guestCid())
              .put("uds_path", vmm(layout, layout.vsockSocket()));
      api.put("configuring vsock", "/vsock", vsock);
    }
    Path console = configureSerial(api, spec, layout);

    api.put("starting the instance", "/actions", object().put("action_type", "InstanceStart"));
    return console;
  }

  private static Path configureSerial(FirecrackerApi api, VmmSpec spec, FirecrackerLayout layout)
      throws VmmException, InterruptedException {
    try {
      api.put(
          "configuring serial",
          "/serial",
          object().put("serial_out_path", vmm(layout, layout.serialLog())));
      return spec.serialLog();
    } catch (FirecrackerApiException e) {
      if (!e.faultMessage().contains(UNKNOWN_RESOURCE)) {
        throw e;
      }
      LOG.warn(
          "VM {}: this Firecracker has no PUT /serial; its console goes to {}",
          spec.vmId(),
          layout.output());
      return layout.output();
    }
  }

  private static ObjectNode logger(FirecrackerLayout layout) {
    return object()
        .put("log_path", vmm(layout, layout.log()))
        .put("level", "Info")
        .put("show_level", true)
        .put("show_log_origin", false);
  }

  private static ObjectNode machine(VmmSpec spec) {
    return object()
        .put("vcpu_count", spec.vcpus())
        .put("mem_size_mib", spec.memoryMib())
        .put("smt", false);
  }

  private static ObjectNode bootSource(
      VmmSpec spec, FirecrackerLayout layout, Map<Path, Path> inJail) {
    ObjectNode boot =
        object()
            .put(
                "kernel_image_path", vmm(layout, inJail.getOrDefault(spec.kernel(), spec.kernel())))
            .put("boot_args", KernelCommandLine.merge(DRIVER_KERNEL_PARAMS, spec.kernelArgs()));
    spec.initrd()
        .ifPresent(
            initrd -> boot.put("initrd_path", vmm(layout, inJail.getOrDefault(initrd, initrd))));
    return boot;
  }

  private static ObjectNode drive(String id, String path, boolean root, boolean readOnly) {
    return object()
        .put("drive_id", id)
        .put("path_on_host", path)
        .put("is_root_device", root)
        .put("is_read_only", readOnly);
  }

  private static ObjectNode network(VmmSpec.Tap tap) {
    return object()
        .put("iface_id", "eth0")
        .put("host_dev_name", tap.tapName())
        .put("guest_mac", tap.mac().text());
  }

  private static String vmm(FirecrackerLayout layout, Path hostPath) {
    return layout.inVmm(hostPath);
  }

  private static ObjectNode object() {
    return NODES.objectNode();
  }
}
