package dev.banger.kernel;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of an unpacked Debian kernel package that banger uses: {@code boot/vmlinuz-R}, {@code
 * boot/config-R} and {@code lib/modules/R/} (or {@code usr/lib/modules/R/}) for one release R.
 * Immutable and thread-safe.
 */
record UnpackedKernel(String release, Path bzImage, Path config, Path modules) {

  /** Finds the kernel files below {@code root}, the directory the package was unpacked into. */
  static UnpackedKernel locate(Path root, AptPackage pkg) throws KernelException {
    Path modulesParent = root.resolve("lib/modules");
    if (!Files.isDirectory(modulesParent, LinkOption.NOFOLLOW_LINKS)) {
      modulesParent = root.resolve("usr/lib/modules");
    }
    List<Path> releases = children(modulesParent, pkg);
    if (releases.size() != 1) {
      throw new KernelException(
          "Package '"
              + pkg.name()
              + "' unpacked in '"
              + root
              + "' should hold exactly one "
              + "lib/modules/RELEASE directory, found "
              + releases.size());
    }
    String release = releases.getFirst().getFileName().toString();
    Path bzImage = root.resolve("boot/vmlinuz-" + release);
    Path config = root.resolve("boot/config-" + release);
    for (Path required : List.of(bzImage, config)) {
      if (!Files.isRegularFile(required, LinkOption.NOFOLLOW_LINKS)) {
        throw new KernelException(
            "Package '"
                + pkg.name()
                + "' has no '"
                + root.relativize(required)
                + "' (is it a kernel image package?)");
      }
    }
    return new UnpackedKernel(release, bzImage, config, releases.getFirst());
  }

  private static List<Path> children(Path directory, AptPackage pkg) throws KernelException {
    List<Path> result = new ArrayList<>();
    if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      return result;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          result.add(entry);
        }
      }
      return result;
    } catch (IOException e) {
      throw new KernelException(
          "Cannot list '" + directory + "' of package '" + pkg.name() + "': " + e.getMessage(), e);
    }
  }
}
