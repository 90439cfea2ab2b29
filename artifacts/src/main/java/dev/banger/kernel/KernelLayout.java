package dev.banger.kernel;

import java.nio.file.Path;

/**
 * The files of a prepared kernel directory, as {@link DebianKernelBuilder} writes them. Immutable
 * and thread-safe.
 *
 * <pre>
 * DIR/vmlinux      uncompressed ELF kernel (what Firecracker boots)
 * DIR/vmlinuz      the package's bzImage (QEMU boots either)
 * DIR/initrd.img   banger's initramfs (gzip cpio)
 * DIR/config       the kernel build configuration
 * DIR/modules/     the package's lib/modules/RELEASE/ with modules.dep
 * DIR/kernel.json  {@link KernelFacts}
 * </pre>
 *
 * @param directory the kernel directory
 */
public record KernelLayout(Path directory) {

  /** The ELF vmlinux. */
  public Path vmlinux() {
    return directory.resolve("vmlinux");
  }

  /** The bzImage as shipped by the package. */
  public Path bzImage() {
    return directory.resolve("vmlinuz");
  }

  /** The initramfs. */
  public Path initrd() {
    return directory.resolve("initrd.img");
  }

  /** The kernel build configuration. */
  public Path config() {
    return directory.resolve("config");
  }

  /** The modules directory (the content of lib/modules/RELEASE). */
  public Path modules() {
    return directory.resolve("modules");
  }

  /** The facts file. */
  public Path facts() {
    return directory.resolve("kernel.json");
  }
}
