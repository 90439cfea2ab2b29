package dev.banger.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What banger knows about a kernel it fetched and prepared, stored as {@code kernel.json} in the
 * kernel's directory. Every field is a string, number, boolean, enum or list of strings so the
 * record maps to JSON as it is. Immutable and thread-safe.
 *
 * @param release the kernel release ("6.1.0-57-cloud-amd64"), also the modules directory name
 * @param versionString the version banner embedded in the bzImage
 * @param packageName the Debian package the kernel came from, empty if registered by hand
 * @param packageVersion that package's version, empty if registered by hand
 * @param arch the architecture, "x86_64"
 * @param payloadCompression the compression of the bzImage payload ("LZ4_LEGACY")
 * @param pvhNote whether the ELF vmlinux has the PVH entry note Firecracker needs
 * @param virtio how virtio core is provided ({@code CONFIG_VIRTIO})
 * @param virtioMmio how the virtio-mmio transport is provided ({@code CONFIG_VIRTIO_MMIO})
 * @param virtioBlk how virtio-blk is provided ({@code CONFIG_VIRTIO_BLK})
 * @param virtioNet how virtio-net is provided ({@code CONFIG_VIRTIO_NET})
 * @param vsock how vsock is provided ({@code CONFIG_VSOCKETS})
 * @param ext4 how ext4 is provided ({@code CONFIG_EXT4_FS})
 * @param initramfsModules the modules the initramfs loads, in load order
 */
public record KernelFacts(
    String release,
    String versionString,
    String packageName,
    String packageVersion,
    String arch,
    String payloadCompression,
    boolean pvhNote,
    FeatureSupport virtio,
    FeatureSupport virtioMmio,
    FeatureSupport virtioBlk,
    FeatureSupport virtioNet,
    FeatureSupport vsock,
    FeatureSupport ext4,
    List<String> initramfsModules) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Copies the module list so the record stays immutable. */
  public KernelFacts {
    initramfsModules = List.copyOf(initramfsModules);
  }

  /** Reads facts written by {@link #write(Path)}. */
  public static KernelFacts read(Path file) throws KernelException {
    try {
      return JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), KernelFacts.class);
    } catch (IOException | JacksonException e) {
      throw new KernelException("Cannot read kernel facts '" + file + "': " + e.getMessage(), e);
    }
  }

  /** Writes these facts as pretty-printed JSON to {@code file}. */
  public void write(Path file) throws KernelException {
    try {
      Files.writeString(
          file,
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n",
          StandardCharsets.UTF_8);
    } catch (IOException | JacksonException e) {
      throw new KernelException("Cannot write kernel facts '" + file + "': " + e.getMessage(), e);
    }
  }
}
