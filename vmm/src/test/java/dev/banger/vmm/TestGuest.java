package dev.banger.vmm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A bootable test guest made from real Debian parts: Debian's cloud kernel (downloaded once with
 * apt into the test cache) and an initramfs of busybox-static plus the kernel's virtio modules
 * whose /init is {@code test-guest-init.sh}. Both are cached under {@code
 * ${BANGER_TEST_CACHE:-/var/cache/banger-test}/vmm/} and rebuilt from nothing when missing.
 */
public final class TestGuest {
  private static final String KERNEL_META_PACKAGE = "linux-image-cloud-amd64";
  private static final List<String> MODULES =
      List.of(
          "virtio_ring",
          "virtio",
          "virtio_mmio",
          "virtio_blk",
          "failover",
          "net_failover",
          "virtio_net",
          "virtio_console",
          "evdev",
          "button");

  private TestGuest() {}

  /** The cache directory of this module's tests. */
  public static Path cacheDir() {
    String base = System.getenv().getOrDefault("BANGER_TEST_CACHE", "/var/cache/banger-test");
    return Path.of(base, "vmm");
  }

  /** Debian's cloud kernel (a bzImage); skips the test when it cannot be fetched. */
  public static synchronized Path kernel() throws IOException, InterruptedException {
    return kernelDir().resolve("vmlinuz");
  }

  /**
   * The cloud kernel as an uncompressed ELF vmlinux, which Firecracker needs: the bzImage's LZ4
   * payload (located by its setup header), minus the 4-byte size the kernel build appends, through
   * {@code lz4 -dc}.
   */
  public static synchronized Path vmlinux() throws IOException, InterruptedException {
    Path vmlinux = kernelDir().resolve("vmlinux");
    if (Files.exists(vmlinux)) {
      return vmlinux;
    }
    assumeTrue(runStatus(cacheDir(), "sh", "-c", "command -v lz4") == 0, "lz4 is not installed");
    byte[] image = Files.readAllBytes(kernel());
    ByteBuffer header = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    int setupSectors = image[0x1f1] == 0 ? 4 : image[0x1f1] & 0xff;
    int payloadOffset = header.getInt(0x248);
    int payloadLength = header.getInt(0x24c);
    int start = (setupSectors + 1) * 512 + payloadOffset;
    Path payload = cacheDir().resolve("vmlinux.lz4.partial");
    Files.write(payload, Arrays.copyOfRange(image, start, start + payloadLength - 4));
    Path partial = cacheDir().resolve("vmlinux.partial");
    try {
      run(cacheDir(), "sh", "-c", "lz4 -dc '" + payload + "' > '" + partial + "'");
      Files.move(partial, vmlinux, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(payload);
      Files.deleteIfExists(partial);
    }
    return vmlinux;
  }

  /** The test initramfs; skips the test when the kernel or busybox-static is missing. */
  public static synchronized Path initramfs() throws IOException, InterruptedException {
    byte[] script = initScript();
    Path modules = kernelDir().resolve("modules");
    Path out = cacheDir().resolve("initrd-" + shortHash(script) + ".cpio");
    if (Files.exists(out)) {
      return out;
    }
    Path busybox = Path.of("/bin/busybox");
    assumeTrue(Files.isExecutable(busybox), "busybox-static is not installed (/bin/busybox)");
    Path tree = Files.createTempDirectory(cacheDir(), "initrd-tree-");
    try {
      for (String sub : List.of("bin", "lib/modules", "proc", "sys", "dev")) {
        Files.createDirectories(tree.resolve(sub));
      }
      Files.copy(busybox, tree.resolve("bin/busybox"));
      Files.write(tree.resolve("init"), script);
      tree.resolve("init").toFile().setExecutable(true, false);
      for (String module : MODULES) {
        Files.copy(
            modules.resolve(module + ".ko"), tree.resolve("lib/modules").resolve(module + ".ko"));
      }
      Path partial = out.resolveSibling(out.getFileName() + ".partial");
      run(tree, "sh", "-c", "find . | cpio -o -H newc --quiet > '" + partial + "'");
      Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
      return out;
    } finally {
      RuntimeFiles.deleteTree(tree);
    }
  }

  private static Path kernelDir() throws IOException, InterruptedException {
    Path dir = cacheDir().resolve("kernel");
    if (Files.exists(dir.resolve("vmlinuz"))) {
      return dir;
    }
    Files.createDirectories(cacheDir());
    Path work = Files.createTempDirectory(cacheDir(), "kernel-download-");
    try {
      String pkg = kernelPackage();
      int rc = runStatus(work, "apt-get", "download", pkg);
      assumeTrue(rc == 0, "Debian's package mirror is unreachable: apt-get download " + pkg);
      run(work, "sh", "-c", "dpkg-deb -x *.deb extracted");
      Path staged = work.resolve("kernel");
      Files.createDirectories(staged.resolve("modules"));
      try (Stream<Path> boot = Files.list(work.resolve("extracted/boot"))) {
        Path vmlinuz =
            boot.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                .findFirst()
                .orElseThrow(() -> new IOException("no /boot/vmlinuz-* in " + pkg));
        Files.copy(vmlinuz, staged.resolve("vmlinuz"));
      }
      copyModules(work.resolve("extracted/lib/modules"), staged.resolve("modules"));
      Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
      return dir;
    } finally {
      RuntimeFiles.deleteTree(work);
    }
  }

  private static void copyModules(Path tree, Path target) throws IOException {
    try (Stream<Path> all = Files.walk(tree)) {
      for (Path module : all.filter(p -> p.toString().endsWith(".ko")).toList()) {
        String name = module.getFileName().toString();
        if (MODULES.contains(name.substring(0, name.length() - 3))) {
          Files.copy(module, target.resolve(name));
        }
      }
    }
  }

  private static String kernelPackage() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("apt-cache", "depends", KERNEL_META_PACKAGE)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.lines()
        .map(String::strip)
        .filter(line -> line.startsWith("Depends: linux-image-"))
        .map(line -> line.substring("Depends: ".length()))
        .findFirst()
        .orElseThrow(
            () -> {
              assumeTrue(false, "apt knows no " + KERNEL_META_PACKAGE + " (run apt-get update)");
              return new IllegalStateException("unreachable");
            });
  }

  private static byte[] initScript() throws IOException {
    try (InputStream in = TestGuest.class.getResourceAsStream("test-guest-init.sh")) {
      if (in == null) {
        throw new IOException("test resource test-guest-init.sh is missing");
      }
      return in.readAllBytes();
    }
  }

  private static String shortHash(byte[] content) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    int rc = runStatus(dir, command);
    if (rc != 0) {
      throw new IOException(String.join(" ", command) + " failed with status " + rc);
    }
  }

  private static int runStatus(Path dir, String... command)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in 5 minutes");
    }
    return p.exitValue();
  }
}
