package dev.banger.api;

/**
 * Creates a VM (and starts it when {@code start} is true). Null fields take the config's defaults.
 *
 * @param name a unique name, or null for a generated one
 * @param image the image name, or null for {@code default_image_name}
 * @param kernel a kernel name that overrides the image's, or null
 * @param cpus vCPUs (1 to 32), or null
 * @param memoryMib memory in MiB (at least 128), or null
 * @param disk the work disk size, e.g. {@code 4G}, or null
 * @param vmm {@code firecracker} or {@code qemu} to override the config, or null
 * @param start whether to start it right away
 */
public record CreateVmRequest(
    String name,
    String image,
    String kernel,
    Integer cpus,
    Integer memoryMib,
    String disk,
    String vmm,
    boolean start) {}
