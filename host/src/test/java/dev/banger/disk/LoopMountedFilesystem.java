package dev.banger.disk;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real filesystem made on a sparse file, attached to a loop device and mounted, for tests that
 * need xfs or btrfs (reflink) or a second filesystem. Closing unmounts and detaches it.
 */
public final class LoopMountedFilesystem implements AutoCloseable {
  private static final CommandRunner HOST = CommandRunner.onHost();

  private final Path image;
  private final Path loopDevice;
  private final Path mountPoint;

  private LoopMountedFilesystem(Path image, Path loopDevice, Path mountPoint) {
    this.image = image;
    this.loopDevice = loopDevice;
    this.mountPoint = mountPoint;
  }

  /** An xfs with reflink enabled, 512 MiB, mounted under {@code workDir}. */
  public static LoopMountedFilesystem xfsWithReflink(Path workDir) throws IOException {
    return xfsWithReflink(workDir, 512L * 1024 * 1024);
  }

  /** An xfs with reflink enabled, of {@code sizeBytes} (sparse), mounted under {@code workDir}. */
  public static LoopMountedFilesystem xfsWithReflink(Path workDir, long sizeBytes)
      throws IOException {
    return make(workDir, "xfs", sizeBytes, List.of("mkfs.xfs", "-q", "-f", "-m", "reflink=1"));
  }

  /** A btrfs (reflink always on), 512 MiB, mounted under {@code workDir}. */
  public static LoopMountedFilesystem btrfs(Path workDir) throws IOException {
    return make(workDir, "btrfs", 512L * 1024 * 1024, List.of("mkfs.btrfs", "-q", "-f"));
  }

  private static LoopMountedFilesystem make(
      Path workDir, String type, long sizeBytes, List<String> mkfs) throws IOException {
    Path image = workDir.resolve(type + ".img");
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(sizeBytes);
    }
    List<String> format = new ArrayList<>(mkfs);
    format.add(image.toString());
    HOST.check(format);
    Path loop =
        Path.of(
            HOST.check(List.of("losetup", "--find", "--show", image.toString())).stdout().strip());
    Path mountPoint = Files.createDirectories(workDir.resolve(type + "-mnt"));
    try {
      HOST.check(List.of("mount", "-t", type, loop.toString(), mountPoint.toString()));
    } catch (HostOsException e) {
      HOST.check(List.of("losetup", "--detach", loop.toString()));
      throw e;
    }
    return new LoopMountedFilesystem(image, loop, mountPoint);
  }

  /** The directory the filesystem is mounted on. */
  public Path root() {
    return mountPoint;
  }

  /** The loop device the filesystem image is attached to. */
  public Path loopDevice() {
    return loopDevice;
  }

  @Override
  public void close() throws IOException {
    try {
      HOST.check(List.of("umount", mountPoint.toString()));
    } finally {
      HOST.check(List.of("losetup", "--detach", loopDevice.toString()));
      Files.deleteIfExists(image);
    }
  }
}
