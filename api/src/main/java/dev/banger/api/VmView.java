package dev.banger.api;

import java.util.List;

/**
 * A VM as the API shows it.
 *
 * @param id the VM id (stable, generated)
 * @param name the unique human name
 * @param state created, starting, running, stopping, stopped, failed or crashed
 * @param stateReason why it is failed or crashed; empty otherwise
 * @param image the image name
 * @param kernel the kernel name
 * @param vmm firecracker or qemu
 * @param cpus vCPUs
 * @param memoryMib memory in MiB
 * @param diskBytes work disk size in bytes
 * @param ip the guest address, empty when user-mode networking
 * @param diskStrategy how its root disk was made
 * @param pid the VMM process id, 0 when not running
 * @param createdAt creation time, ISO-8601
 * @param ports host ports forwarded into the guest, as {@code host->guest}
 */
public record VmView(
    String id,
    String name,
    String state,
    String stateReason,
    String image,
    String kernel,
    String vmm,
    int cpus,
    int memoryMib,
    long diskBytes,
    String ip,
    String diskStrategy,
    long pid,
    String createdAt,
    List<String> ports) {}
