package dev.banger.disk;

import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.Privileges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Prints how long creating a VM root disk takes from a 1 GiB and an 8 GiB image holding the same
 * data, for each strategy this host can run: the figures behind "create time must not grow with the
 * image size". Run by {@code host/bench.sh}; it asserts nothing, it measures.
 *
 * <p>"blocks MiB" is what {@code stat} counts for the new disk; for a reflink clone those blocks
 * are shared with the image, not new.
 *
 * <p>The images are cached under {@code ${BANGER_TEST_CACHE:-/var/cache/banger-test}/host/} and
 * rebuilt when missing.
 */
public final class RootDiskBenchmark {
  private static final long MIB = 1024 * 1024;
  private static final long GIB = 1024 * MIB;
  private static final int DATA_MIB = 256;
  private static final int RUNS = 7;
  private static final CommandRunner HOST = CommandRunner.onHost();

  private RootDiskBenchmark() {}

  /** Runs the benchmark; no arguments. */
  public static void main(String[] args) throws Exception {
    Path cache =
        Path.of(
            System.getenv().getOrDefault("BANGER_TEST_CACHE", "/var/cache/banger-test"), "host");
    Files.createDirectories(cache);
    Path small = cachedImage(cache, "bench-1g.ext4", GIB);
    Path large = cachedImage(cache, "bench-8g.ext4", 8 * GIB);
    System.out.printf(
        "images: 1 GiB and 8 GiB ext4, each with %d MiB of file data; %d runs each%n",
        DATA_MIB, RUNS);
    System.out.printf(
        "%-14s %-6s %-10s %10s %10s %10s %12s%n",
        "strategy", "image", "filesystem", "median ms", "min ms", "max ms", "blocks MiB");

    RootDiskFactory sparseOnly = new RootDiskFactory(HOST, EnumSet.of(CowStrategy.SPARSE_COPY));
    Path sparseDir = Files.createDirectories(cache.resolve("bench-vms"));
    measure(sparseOnly, small, sparseDir, "1 GiB");
    measure(sparseOnly, large, sparseDir, "8 GiB");

    if (!Privileges.isRoot()) {
      System.out.println("reflink: skipped, needs root to mount a loop xfs");
      return;
    }
    Path work = Files.createTempDirectory("banger-bench-");
    try (LoopMountedFilesystem xfs = LoopMountedFilesystem.xfsWithReflink(work, 4 * GIB)) {
      Path xfsSmall = xfs.root().resolve("bench-1g.ext4");
      Path xfsLarge = xfs.root().resolve("bench-8g.ext4");
      SparseCopy.copy(small, xfsSmall);
      SparseCopy.copy(large, xfsLarge);
      RootDiskFactory factory = new RootDiskFactory(HOST);
      Path vms = Files.createDirectories(xfs.root().resolve("vms"));
      measure(factory, xfsSmall, vms, "1 GiB");
      measure(factory, xfsLarge, vms, "8 GiB");
    } finally {
      Files.deleteIfExists(work.resolve("xfs-mnt"));
      Files.deleteIfExists(work);
    }
  }

  private static void measure(RootDiskFactory factory, Path image, Path vms, String label)
      throws IOException {
    double[] millis = new double[RUNS];
    CowStrategy strategy = null;
    long allocated = 0;
    for (int run = 0; run < RUNS; run++) {
      String vmId = "bench-" + UUID.randomUUID().toString().substring(0, 8);
      Path vmDir = vms.resolve(vmId);
      long start = System.nanoTime();
      RootDisk disk = factory.create(image, vmDir, vmId);
      millis[run] = (System.nanoTime() - start) / 1e6;
      strategy = disk.strategy();
      allocated = DiskFixtures.allocatedBytes(disk.path());
      factory.destroy(disk);
      Files.delete(vmDir);
    }
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    System.out.printf(
        Locale.ROOT,
        "%-14s %-6s %-10s %10.1f %10.1f %10.1f %12d%n",
        strategy.description(),
        label,
        Files.getFileStore(vms).type(),
        sorted[RUNS / 2],
        sorted[0],
        sorted[RUNS - 1],
        allocated / MIB);
  }

  private static Path cachedImage(Path cache, String name, long size) throws IOException {
    Path image = cache.resolve(name);
    if (Files.exists(image)) {
      return image;
    }
    Path building = cache.resolve(name + ".building");
    Files.createDirectories(building);
    List<String> chunks = new ArrayList<>();
    for (int i = 0; i < DATA_MIB / 32; i++) {
      Path chunk = building.resolve("data-" + i + ".bin");
      Files.write(chunk, DiskFixtures.pseudoRandom((int) (32 * MIB), i));
      chunks.add(chunk.toString());
    }
    Path partial = cache.resolve(name + ".partial");
    HOST.check(
        List.of(
            "mkfs.ext4",
            "-q",
            "-F",
            "-d",
            building.toString(),
            partial.toString(),
            (size / 1024) + "k"));
    for (String chunk : chunks) {
      Files.delete(Path.of(chunk));
    }
    Files.delete(building);
    Files.move(partial, image);
    return image;
  }
}
