package dev.banger.disk;

import java.nio.file.Path;
import java.util.List;

/**
 * The device-mapper snapshot table and the {@code losetup}/{@code dmsetup} command lines that build
 * and tear down a VM's snapshot root disk. Pure functions, so that what would run on a
 * device-mapper host can be checked anywhere.
 *
 * <p>Stateless and thread-safe.
 */
public final class SnapshotCommands {
  /** Device-mapper counts in 512-byte sectors whatever the device's block size. */
  public static final int SECTOR_BYTES = 512;

  /** Chunk size of the snapshot in sectors: 8 sectors is 4 KiB, the guest's page and block. */
  public static final int CHUNK_SECTORS = 8;

  private static final long MIB = 1024L * 1024L;

  private SnapshotCommands() {}

  /**
   * The number of sectors of an image of {@code bytes} bytes.
   *
   * @throws IllegalArgumentException when the size is zero, negative or not whole sectors, which a
   *     loop device would silently truncate
   */
  public static long sectors(long bytes) {
    if (bytes <= 0 || bytes % SECTOR_BYTES != 0) {
      throw new IllegalArgumentException(
          "an image of %d bytes cannot back a snapshot: its size must be a positive multiple of %d"
              .formatted(bytes, SECTOR_BYTES));
    }
    return bytes / SECTOR_BYTES;
  }

  /**
   * The size of the sparse copy-on-write file for an image of {@code imageBytes}: room for every
   * chunk to be rewritten plus the exception store's metadata (16 bytes per 4 KiB chunk, so 1/256
   * of the data) and its header, rounded up to whole chunks. The file is sparse, so only what the
   * guest writes takes space.
   */
  public static long cowBytes(long imageBytes) {
    long chunk = (long) CHUNK_SECTORS * SECTOR_BYTES;
    long wanted = imageBytes + imageBytes / 128 + MIB;
    return (wanted + chunk - 1) / chunk * chunk;
  }

  /**
   * The snapshot table: {@code 0 SECTORS snapshot BASE COW P 8}, a persistent snapshot whose
   * changes live on the COW device.
   */
  public static String table(long sectors, Path baseDevice, Path cowDevice) {
    return "0 %d snapshot %s %s P %d".formatted(sectors, baseDevice, cowDevice, CHUNK_SECTORS);
  }

  /** Attaches {@code file} to the first free loop device, read-only, and prints its name. */
  public static List<String> attachReadOnly(Path file) {
    return List.of("losetup", "--find", "--show", "--read-only", file.toString());
  }

  /** Attaches {@code file} read-write to the first free loop device and prints its name. */
  public static List<String> attach(Path file) {
    return List.of("losetup", "--find", "--show", file.toString());
  }

  /** Detaches a loop device. */
  public static List<String> detach(Path loopDevice) {
    return List.of("losetup", "--detach", loopDevice.toString());
  }

  /** Creates the device {@code /dev/mapper/NAME} from {@code table}. */
  public static List<String> create(String name, String table) {
    return List.of("dmsetup", "create", name, "--table", table);
  }

  /** Removes a device-mapper device, retrying while udev or a closing opener still holds it. */
  public static List<String> remove(String name) {
    return List.of("dmsetup", "remove", "--retry", name);
  }

  /** The device node of a device-mapper device. */
  public static Path devicePath(String name) {
    return Path.of("/dev/mapper", name);
  }
}
