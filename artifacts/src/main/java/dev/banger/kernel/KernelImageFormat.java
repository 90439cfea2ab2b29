package dev.banger.kernel;

/** The two forms of an x86-64 kernel image banger accepts. Immutable and thread-safe. */
public enum KernelImageFormat {
  /** An uncompressed ELF vmlinux: what Firecracker boots (it needs the PVH note). */
  ELF,
  /** A bzImage with the "HdrS" setup header: QEMU boots it, Firecracker does not. */
  BZIMAGE
}
