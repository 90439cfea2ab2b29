package dev.banger.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks the files of a {@code kernel register} or {@code image register} request before banger
 * records them: a kernel is an x86-64 ELF executable or a bzImage, an initrd is a cpio (newc)
 * archive, plain or compressed, a modules directory has modules.dep, and a rootfs or work-seed is
 * an ext4 filesystem Linux can mount read-write. Every problem is collected, so one error lists
 * them all.
 *
 * <p>Stateless and thread-safe.
 */
public final class BootFileValidator {

  private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

  /**
   * The files of a kernel to register.
   *
   * @param kernel an ELF vmlinux or a bzImage
   * @param initrd an optional initramfs
   * @param modules an optional modules directory (lib/modules/RELEASE)
   */
  public record KernelFiles(Path kernel, Optional<Path> initrd, Optional<Path> modules) {}

  /**
   * The files of an image to register, as they stay on the host.
   *
   * @param rootfs the root filesystem image (ext4)
   * @param kernel an ELF vmlinux or a bzImage
   * @param initrd an optional initramfs
   * @param modules an optional modules directory
   * @param workSeed an optional seed of the per-VM work disk (ext4)
   */
  public record ImageFiles(
      Path rootfs,
      Path kernel,
      Optional<Path> initrd,
      Optional<Path> modules,
      Optional<Path> workSeed) {}

  /**
   * Checks a kernel registration.
   *
   * @return the kernel's format (Firecracker needs {@link KernelImageFormat#ELF})
   * @throws InvalidBootFileException listing every problem found
   */
  public KernelImageFormat checkKernelFiles(KernelFiles files) throws InvalidBootFileException {
    List<String> problems = new ArrayList<>();
    KernelImageFormat format = kernelProblems(files.kernel(), problems);
    files.initrd().ifPresent(initrd -> initrdProblems(initrd, problems));
    files.modules().ifPresent(modules -> modulesProblems(modules, problems));
    throwIfAny(problems);
    return format;
  }

  /**
   * Checks an image registration.
   *
   * @return the kernel's format
   * @throws InvalidBootFileException listing every problem found
   */
  public KernelImageFormat checkImageFiles(ImageFiles files) throws InvalidBootFileException {
    List<String> problems = new ArrayList<>();
    ext4Problems(files.rootfs(), "rootfs", problems);
    KernelImageFormat format = kernelProblems(files.kernel(), problems);
    files.initrd().ifPresent(initrd -> initrdProblems(initrd, problems));
    files.modules().ifPresent(modules -> modulesProblems(modules, problems));
    files.workSeed().ifPresent(seed -> ext4Problems(seed, "work-seed", problems));
    throwIfAny(problems);
    return format;
  }

  /** Checks one kernel image. */
  public KernelImageFormat checkKernel(Path kernel) throws InvalidBootFileException {
    List<String> problems = new ArrayList<>();
    KernelImageFormat format = kernelProblems(kernel, problems);
    throwIfAny(problems);
    return format;
  }

  /** Checks one initrd. */
  public void checkInitrd(Path initrd) throws InvalidBootFileException {
    List<String> problems = new ArrayList<>();
    initrdProblems(initrd, problems);
    throwIfAny(problems);
  }

  /** Checks one ext4 filesystem image; {@code role} names it in errors ("rootfs"). */
  public void checkExt4(Path image, String role) throws InvalidBootFileException {
    List<String> problems = new ArrayList<>();
    ext4Problems(image, role, problems);
    throwIfAny(problems);
  }

  private static KernelImageFormat kernelProblems(Path kernel, List<String> problems) {
    byte[] head = readHead(kernel, "kernel", 1024, problems);
    if (head == null) {
      return null;
    }
    if (startsWith(head, ELF_MAGIC)) {
      try {
        VmlinuxInfo.inspect(kernel);
        return KernelImageFormat.ELF;
      } catch (IOException e) {
        problems.add(
            "kernel '" + kernel + "' is an ELF file but not a usable vmlinux: " + e.getMessage());
        return null;
      }
    }
    if (BzImage.hasSetupHeader(head)) {
      return KernelImageFormat.BZIMAGE;
    }
    problems.add(
        "kernel '"
            + kernel
            + "' is neither an ELF vmlinux (no \\x7fELF magic) nor a "
            + "bzImage (no \"HdrS\" at offset 0x202)");
    return null;
  }

  private static void initrdProblems(Path initrd, List<String> problems) {
    byte[] head = readHead(initrd, "initrd", PayloadCompression.MAGIC_LENGTH, problems);
    if (head == null) {
      return;
    }
    PayloadCompression compression = PayloadCompression.detect(head);
    if (!compression.decodable()) {
      problems.add(
          "initrd '"
              + initrd
              + "' is "
              + compression
              + " compressed, which banger cannot check (use gzip, zstd, xz or lz4)");
      return;
    }
    try (InputStream in = Files.newInputStream(initrd);
        InputStream decoded = compression.decoder(in, Files.size(initrd))) {
      byte[] magic = decoded.readNBytes(6);
      String text = new String(magic, StandardCharsets.US_ASCII);
      if (!text.equals("070701") && !text.equals("070702")) {
        problems.add(
            "initrd '"
                + initrd
                + "' is not a cpio newc archive"
                + (compression == PayloadCompression.NONE
                    ? ""
                    : " once " + compression + " decompressed")
                + " (it starts with '"
                + printable(text)
                + "', expected '070701')");
      }
    } catch (IOException e) {
      problems.add(
          "initrd '"
              + initrd
              + "' cannot be decompressed as "
              + compression
              + ": "
              + e.getMessage());
    }
  }

  private static void modulesProblems(Path modules, List<String> problems) {
    if (!Files.isDirectory(modules)) {
      problems.add("modules '" + modules + "' is not a directory");
    } else if (!Files.isRegularFile(modules.resolve(ModuleTree.MODULES_DEP))) {
      problems.add(
          "modules directory '"
              + modules
              + "' has no "
              + ModuleTree.MODULES_DEP
              + " (it should be a lib/modules/RELEASE directory; run depmod)");
    }
  }

  private static void ext4Problems(Path image, String role, List<String> problems) {
    if (readHead(image, role, 0, problems) == null) {
      return;
    }
    try {
      String problem = Ext4Superblock.read(image).problem(Files.size(image));
      if (!problem.isEmpty()) {
        problems.add(role + " '" + image + "' " + problem);
      }
    } catch (IOException e) {
      problems.add(role + " '" + image + "' cannot be read as ext4: " + e.getMessage());
    }
  }

  /** Returns the first bytes of a regular file, or null after recording why it is unusable. */
  private static byte[] readHead(Path file, String role, int length, List<String> problems) {
    if (!Files.exists(file)) {
      problems.add(role + " '" + file + "' does not exist");
      return null;
    }
    if (!Files.isRegularFile(file)) {
      problems.add(role + " '" + file + "' is not a regular file");
      return null;
    }
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(length);
    } catch (IOException e) {
      problems.add(role + " '" + file + "' cannot be read: " + e.getMessage());
      return null;
    }
  }

  private static boolean startsWith(byte[] data, byte[] prefix) {
    if (data.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static String printable(String text) {
    return text.replaceAll("[^\\x20-\\x7e]", "?");
  }

  private static void throwIfAny(List<String> problems) throws InvalidBootFileException {
    if (!problems.isEmpty()) {
      throw new InvalidBootFileException(problems);
    }
  }
}
