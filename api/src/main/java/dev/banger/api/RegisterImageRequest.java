package dev.banger.api;

/**
 * Registers an image stack whose files stay where they are on the host. The kernel is either the
 * name of a registered kernel, or files that are registered as a kernel of the same name as the
 * image.
 *
 * @param name the image name
 * @param rootfs an ext4 root filesystem image
 * @param workSeed an ext4 work-disk seed, or null
 * @param kernelName the name of a registered kernel, or null when kernel files are given
 * @param kernel an ELF vmlinux or bzImage, or null when kernelName is given
 * @param initrd a cpio initramfs, or null
 * @param modules a modules directory, or null
 */
public record RegisterImageRequest(
    String name,
    String rootfs,
    String workSeed,
    String kernelName,
    String kernel,
    String initrd,
    String modules) {}
