package dev.banger.disk;

import dev.banger.hostos.CommandResult;
import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes each VM's work disk: a clone (or sparse copy) of the image's work-seed grown to the
 * requested size with {@code resize2fs}, or a blank sparse ext4 labelled {@code banger-work} whose
 * inode tables and journal are initialised lazily so that even large disks format fast.
 *
 * <p>Immutable and thread-safe; concurrent calls must be for different VMs.
 */
public final class WorkDiskFactory {
  private static final Logger LOG = LoggerFactory.getLogger(WorkDiskFactory.class);

  /** The smallest work disk accepted: 64 MiB. */
  public static final long MIN_SIZE_BYTES = 64L * 1024 * 1024;

  /** The name of the work disk file inside the VM directory. */
  public static final String WORK_DISK_FILE = "work.ext4";

  /** The ext4 label of a blank work disk. */
  public static final String LABEL = "banger-work";

  private final CommandRunner runner;
  private final RootDiskFactory cloner;

  /** Runs {@code mkfs.ext4}, {@code e2fsck} and {@code resize2fs} through {@code runner}. */
  public WorkDiskFactory(CommandRunner runner) {
    this.runner = runner;
    this.cloner =
        new RootDiskFactory(runner, EnumSet.of(CowStrategy.REFLINK, CowStrategy.SPARSE_COPY));
  }

  /**
   * Creates the work disk in {@code vmDir}: from {@code seed} when given, otherwise blank.
   *
   * @param sizeBytes the wanted size, at least {@link #MIN_SIZE_BYTES}; a seed larger than this
   *     keeps its own size, since shrinking a filesystem could lose the seed's files
   * @throws DiskException naming the size, seed or file and the step that failed
   */
  public WorkDisk create(Path vmDir, Optional<Path> seed, long sizeBytes) throws DiskException {
    requireSize(sizeBytes);
    RootDiskFactory.createDirectory(vmDir);
    Path disk = vmDir.resolve(WORK_DISK_FILE);
    if (Files.exists(disk)) {
      throw new DiskException(
          "cannot create work disk '%s': the file already exists".formatted(disk));
    }
    try {
      return seed.isPresent()
          ? fromSeed(seed.orElseThrow(), disk, sizeBytes)
          : blank(disk, sizeBytes);
    } catch (DiskException e) {
      deleteAfterFailure(disk, e);
      throw e;
    }
  }

  /** Deletes the work disk file; nothing happens if it is already gone. */
  public void destroy(WorkDisk disk) throws DiskException {
    try {
      Files.deleteIfExists(disk.path());
    } catch (IOException e) {
      throw new DiskException("could not delete work disk '%s'".formatted(disk.path()), e);
    }
  }

  /**
   * Checks a requested work disk size.
   *
   * @throws DiskException naming the value when it is below {@link #MIN_SIZE_BYTES}
   */
  public static void requireSize(long sizeBytes) throws DiskException {
    if (sizeBytes < MIN_SIZE_BYTES) {
      throw new DiskException(
          "work disk size %d bytes (%d MiB) is too small: the minimum is 64 MiB"
              .formatted(sizeBytes, sizeBytes / (1024 * 1024)));
    }
  }

  private WorkDisk fromSeed(Path seed, Path disk, long sizeBytes) throws DiskException {
    if (!Files.isRegularFile(seed)) {
      throw new DiskException(
          "cannot create work disk '%s' from seed '%s': the seed is not an existing file"
              .formatted(disk, seed));
    }
    CowStrategy copy = cloner.cloneOrCopy(seed, disk);
    long seedSize = sizeOf(disk);
    if (sizeBytes > seedSize) {
      grow(disk, sizeBytes);
    } else if (sizeBytes < seedSize) {
      LOG.info(
          "work disk {} keeps its seed's size of {} bytes, larger than the {} bytes asked for",
          disk,
          seedSize,
          sizeBytes);
    }
    return new WorkDisk(disk, sizeOf(disk), Optional.of(copy));
  }

  private void grow(Path disk, long sizeBytes) throws DiskException {
    // resize2fs refuses a filesystem that was not checked since it was last written.
    CommandResult check = run(List.of("e2fsck", "-f", "-p", disk.toString()), disk);
    if (check.exitCode() > 1) {
      throw new DiskException(
          "e2fsck found errors it could not fix in work disk '%s' (status %d): %s"
              .formatted(disk, check.exitCode(), check.stderr().strip()));
    }
    setLength(disk, sizeBytes);
    checked(List.of("resize2fs", disk.toString()), disk);
  }

  private WorkDisk blank(Path disk, long sizeBytes) throws DiskException {
    try {
      Files.createFile(disk);
    } catch (IOException e) {
      throw new DiskException("could not create work disk file '%s'".formatted(disk), e);
    }
    setLength(disk, sizeBytes);
    checked(
        List.of(
            "mkfs.ext4",
            "-q",
            "-F",
            "-L",
            LABEL,
            "-E",
            "lazy_itable_init=1,lazy_journal_init=1",
            disk.toString()),
        disk);
    return new WorkDisk(disk, sizeBytes, Optional.empty());
  }

  private CommandResult run(List<String> argv, Path disk) throws DiskException {
    try {
      return runner.run(argv);
    } catch (HostOsException e) {
      throw new DiskException(
          "could not run %s on work disk '%s'".formatted(argv.getFirst(), disk), e);
    }
  }

  private void checked(List<String> argv, Path disk) throws DiskException {
    try {
      runner.check(argv);
    } catch (HostOsException e) {
      throw new DiskException("could not prepare work disk '%s'".formatted(disk), e);
    }
  }

  private static void setLength(Path disk, long sizeBytes) throws DiskException {
    try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
      file.setLength(sizeBytes);
    } catch (IOException e) {
      throw new DiskException(
          "could not extend work disk '%s' to %d bytes".formatted(disk, sizeBytes), e);
    }
  }

  private static long sizeOf(Path disk) throws DiskException {
    try {
      return Files.size(disk);
    } catch (IOException e) {
      throw new DiskException("could not read the size of work disk '%s'".formatted(disk), e);
    }
  }

  private static void deleteAfterFailure(Path disk, DiskException failure) {
    try {
      Files.deleteIfExists(disk);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
