package dev.banger.kernel;

/**
 * One loadable kernel module. Immutable and thread-safe.
 *
 * @param name the module name with '_' separators ("virtio_blk")
 * @param relativePath its file relative to the modules directory
 *     ("kernel/drivers/block/virtio_blk.ko")
 */
public record ModuleFile(String name, String relativePath) {}
