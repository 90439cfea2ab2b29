package dev.banger.kernel;

import dev.banger.archive.CpioNewcWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds banger's initramfs for a Debian kernel: a gzip-compressed cpio (newc) archive holding a
 * static busybox, the kernel modules a guest needs to reach its root disk, network and agent
 * transport, and an {@code /init} script that loads them in dependency order, mounts {@code root=}
 * and switch_roots into {@code init=} (see docs/guest-boot-contract.md).
 *
 * <p>Layout of the archive: {@code /bin/busybox}, {@code /init}, {@code /etc/banger/modules} (one
 * "name path" line per module, in load order), {@code /lib/modules/<release>/...} (uncompressed .ko
 * files), {@code /dev/console} and {@code /dev/null}.
 *
 * <p>Stateless and thread-safe.
 */
public final class InitramfsBuilder {

  private static final Logger LOG = LoggerFactory.getLogger(InitramfsBuilder.class);

  /**
   * The modules banger's guests need: virtio transport and block disk, virtio-net (with its
   * failover helpers), the virtio console for the agent's serial port, and vsock.
   */
  public static final List<String> DEFAULT_MODULES =
      List.of(
          "virtio_ring",
          "virtio",
          "virtio_mmio",
          "virtio_blk",
          "failover",
          "net_failover",
          "virtio_net",
          "virtio_console",
          "vsock",
          "vmw_vsock_virtio_transport_common",
          "vmw_vsock_virtio_transport");

  /** Where /init reads the module list from, inside the initramfs. */
  public static final String MODULE_LIST = "etc/banger/modules";

  private static final String INIT_RESOURCE = "init.sh";

  // One fixed time for every entry, so the same inputs give the same archive bytes.
  private static final long MTIME = 0;

  /**
   * Writes the initramfs to {@code output} (through a temporary sibling moved into place).
   *
   * @param busybox a statically linked busybox binary for the guest's architecture
   * @param modules the kernel's modules directory, with modules.dep
   * @param release the kernel release the modules belong to ("6.1.0-57-cloud-amd64")
   * @param wanted module names to include with their dependencies; built-in ones are skipped
   * @return the modules in the order /init loads them
   * @throws KernelException if a module is missing or a file cannot be read or written
   */
  public List<ModuleFile> build(
      Path busybox, ModuleTree modules, String release, List<String> wanted, Path output)
      throws KernelException {
    List<ModuleFile> order = modules.loadOrder(wanted);
    Path temporary = output.resolveSibling(output.getFileName() + ".part");
    try {
      try (OutputStream file = Files.newOutputStream(temporary);
          GZIPOutputStream gzip = new GZIPOutputStream(new BufferedOutputStream(file), 1 << 16);
          CpioNewcWriter cpio = new CpioNewcWriter(gzip)) {
        writeSkeleton(cpio, busybox);
        writeModules(cpio, modules, release, order);
      }
      Files.move(temporary, output, StandardCopyOption.REPLACE_EXISTING);
      return order;
    } catch (IOException e) {
      throw new KernelException(
          "Cannot build initramfs '"
              + output
              + "' from busybox '"
              + busybox
              + "' and modules '"
              + modules.directory()
              + "': "
              + e.getMessage(),
          e);
    } finally {
      deleteIfPresent(temporary);
    }
  }

  private static void writeSkeleton(CpioNewcWriter cpio, Path busybox) throws IOException {
    for (String directory : List.of("bin", "dev", "etc", "etc/banger", "lib", "lib/modules")) {
      cpio.directory(directory, 0755, MTIME);
    }
    for (String directory : List.of("sbin", "usr", "usr/bin", "usr/sbin", "newroot")) {
      cpio.directory(directory, 0755, MTIME);
    }
    for (String directory : List.of("proc", "sys", "run", "tmp", "root")) {
      cpio.directory(directory, directory.equals("tmp") ? 01777 : 0755, MTIME);
    }
    // The kernel opens /dev/console for init's stdio before /init can mount devtmpfs.
    cpio.characterDevice("dev/console", 0600, 5, 1);
    cpio.characterDevice("dev/null", 0666, 1, 3);
    cpio.file("bin/busybox", 0755, MTIME, busybox);
    cpio.symlink("bin/sh", "busybox", MTIME);
    cpio.file("init", 0755, MTIME, initScript());
  }

  private static void writeModules(
      CpioNewcWriter cpio, ModuleTree modules, String release, List<ModuleFile> order)
      throws IOException {
    String base = "lib/modules/" + release;
    cpio.directory(base, 0755, MTIME);
    Set<String> directories = new HashSet<>();
    StringBuilder list = new StringBuilder();
    for (ModuleFile module : order) {
      String target = base + "/" + uncompressedName(module.relativePath());
      createParents(cpio, base, target, directories, MTIME);
      byte[] content = ModuleTree.readModule(modules.directory().resolve(module.relativePath()));
      cpio.file(target, 0644, MTIME, content);
      list.append(module.name()).append(" /").append(target).append('\n');
    }
    cpio.file(MODULE_LIST, 0644, MTIME, list.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static void createParents(
      CpioNewcWriter cpio, String base, String target, Set<String> done, long mtime)
      throws IOException {
    String relative = target.substring(base.length() + 1);
    String current = base;
    String[] parts = relative.split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      current = current + "/" + parts[i];
      if (done.add(current)) {
        cpio.directory(current, 0755, mtime);
      }
    }
  }

  /** Initramfs modules are stored uncompressed: busybox insmod may not decompress. */
  static String uncompressedName(String relativePath) {
    for (String suffix : List.of(".ko.xz", ".ko.zst", ".ko.gz")) {
      if (relativePath.endsWith(suffix)) {
        return relativePath.substring(0, relativePath.length() - suffix.length()) + ".ko";
      }
    }
    return relativePath;
  }

  /** The /init script shipped with this library. */
  public static byte[] initScript() throws IOException {
    try (InputStream in = InitramfsBuilder.class.getResourceAsStream(INIT_RESOURCE)) {
      if (in == null) {
        throw new IOException("resource " + INIT_RESOURCE + " is missing from banger-artifacts");
      }
      return in.readAllBytes();
    }
  }

  private static void deleteIfPresent(Path temporary) {
    try {
      Files.deleteIfExists(temporary);
    } catch (IOException e) {
      // Only reached after a failure that is already being reported; the leftover is harmless.
      LOG.warn("Could not remove the temporary initramfs '{}'", temporary, e);
    }
  }
}
