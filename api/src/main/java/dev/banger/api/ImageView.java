package dev.banger.api;

import java.util.List;

/**
 * An image as the API shows it.
 *
 * @param name the image's name
 * @param managed whether banger owns its files (pulled or promoted) or they stay where registered
 * @param rootfs the root filesystem (ext4)
 * @param workSeed the seed of each VM's work disk, empty when none
 * @param kernel the name of the kernel it boots with
 * @param version the image's version
 * @param arch the architecture
 * @param source where it came from: a catalog recipe, a bundle URL, or {@code registered}
 * @param sizeBytes bytes on disk
 * @param createdAt when it was added, ISO-8601
 * @param usedBy the VMs created from it
 */
public record ImageView(
    String name,
    boolean managed,
    String rootfs,
    String workSeed,
    String kernel,
    String version,
    String arch,
    String source,
    long sizeBytes,
    String createdAt,
    List<String> usedBy) {}
