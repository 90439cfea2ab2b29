package dev.banger.disk;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A VM's writable work disk, the second virtio-blk disk ({@code /dev/vdb}) that the agent mounts at
 * {@code /work}. Lives in the VM directory and is deleted with the VM. Immutable and thread-safe.
 *
 * @param path the ext4 image file
 * @param sizeBytes its size in bytes
 * @param seedCopy how the image's work-seed was copied, or empty for a blank filesystem
 */
public record WorkDisk(Path path, long sizeBytes, Optional<CowStrategy> seedCopy) {}
