package dev.banger.api;

import java.util.Map;

/**
 * A kernel as the API shows it.
 *
 * @param name the kernel's name, referenced by images
 * @param managed whether banger owns its files (pulled) or they stay where registered
 * @param release the kernel release, e.g. {@code 6.1.0-57-cloud-amd64}
 * @param vmlinux the ELF kernel (what Firecracker boots)
 * @param bzImage the compressed kernel, empty when unknown
 * @param initrd the initramfs, empty when none
 * @param modules the modules directory, empty when none
 * @param source where it came from: a catalog recipe, a bundle URL, or {@code registered}
 * @param createdAt when it was added, ISO-8601
 * @param facts what banger found in it (PVH note, how virtio is provided, ...)
 */
public record KernelView(
    String name,
    boolean managed,
    String release,
    String vmlinux,
    String bzImage,
    String initrd,
    String modules,
    String source,
    String createdAt,
    Map<String, String> facts) {}
