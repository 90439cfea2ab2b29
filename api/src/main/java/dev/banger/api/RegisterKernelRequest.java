package dev.banger.api;

/**
 * Registers a kernel whose files stay where they are on the host.
 *
 * @param name the name to register it under
 * @param kernel an ELF vmlinux or a bzImage
 * @param initrd a cpio initramfs, or null
 * @param modules a modules directory with modules.dep, or null
 */
public record RegisterKernelRequest(String name, String kernel, String initrd, String modules) {}
