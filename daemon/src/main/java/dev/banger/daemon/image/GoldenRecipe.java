package dev.banger.daemon.image;

import dev.banger.daemon.op.OperationContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the golden image recipe ({@code images/golden/build.sh}, packaged in the daemon's jar under
 * {@code dev/banger/recipes/golden}) from a temporary copy, as the daemon's own child process. The
 * recipe needs root (debootstrap); the check comes first so that an unprivileged daemon says so
 * instead of failing deep inside. Thread-safe (stateless).
 */
final class GoldenRecipe {
  private static final Logger LOG = LoggerFactory.getLogger(GoldenRecipe.class);
  private static final String RESOURCE_ROOT = "dev/banger/recipes/golden";

  private GoldenRecipe() {}

  /** What the build produced. */
  record Result(Path rootfs, java.util.Optional<Path> workSeed, String version) {}

  /**
   * Builds the image into {@code out}.
   *
   * @param modules the kernel's modules (the contents of {@code /lib/modules/RELEASE})
   * @param release the kernel release, the name the modules get in the image
   */
  static Result build(
      Path out,
      Path agent,
      java.util.Optional<Path> modules,
      String release,
      String kernelName,
      Path cache,
      OperationContext ctx)
      throws IOException, InterruptedException {
    if (dev.banger.api.Locations.currentUid() != 0) {
      throw new IOException(
          "building the golden image from its recipe needs root"
              + " (debootstrap): run bangerd as root, or pull a published bundle");
    }
    if (!Files.isExecutable(agent)) {
      throw new IOException("the guest agent " + agent + " is missing: run `make build`");
    }
    Path recipe = Files.createTempDirectory("banger-golden-recipe");
    try {
      extract(recipe);
      List<String> argv =
          new ArrayList<>(
              List.of(
                  recipe.resolve("build.sh").toString(),
                  "--out",
                  out.toString(),
                  "--agent",
                  agent.toString(),
                  "--cache",
                  cache.toString(),
                  "--kernel-name",
                  kernelName));
      if (modules.isPresent()) {
        argv.add("--modules");
        argv.add(linkModules(modules.get(), recipe.resolve("modules").resolve(release)).toString());
      }
      Path log = out.resolveSibling(out.getFileName() + ".build.log");
      ctx.partial(log);
      run(argv, log, ctx);
      Map<?, ?> manifest =
          dev.banger.daemon.http.Json.MAPPER.readValue(
              Files.readString(out.resolve("image.json"), StandardCharsets.UTF_8), Map.class);
      Object seed = manifest.get("workSeed");
      return new Result(
          out.resolve(String.valueOf(manifest.get("rootfs"))),
          seed == null
              ? java.util.Optional.empty()
              : java.util.Optional.of(out.resolve(seed.toString())),
          String.valueOf(manifest.get("version")));
    } finally {
      dev.banger.archive.FileTrees.deleteTree(recipe);
    }
  }

  /**
   * The recipe takes a directory named after the kernel release; banger keeps modules in a
   * directory named {@code modules}. A hard-link tree gives them the right name without copying
   * when both are on one filesystem, and falls back to copying when they are not.
   */
  private static Path linkModules(Path modules, Path named) throws IOException {
    try (Stream<Path> walk = Files.walk(modules)) {
      for (Path src : walk.toList()) {
        Path dst = named.resolve(modules.relativize(src).toString());
        if (Files.isDirectory(src, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(dst);
        } else if (Files.isSymbolicLink(src)) {
          Files.createSymbolicLink(dst, Files.readSymbolicLink(src));
        } else {
          try {
            Files.createLink(dst, src);
          } catch (IOException | UnsupportedOperationException e) {
            Files.copy(src, dst, StandardCopyOption.COPY_ATTRIBUTES);
          }
        }
      }
    }
    return named;
  }

  private static void run(List<String> argv, Path log, OperationContext ctx)
      throws IOException, InterruptedException {
    Files.createDirectories(log.getParent());
    Process p =
        new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try (var reg =
        ctx.cancellation().onCancel(() -> p.descendants().forEach(ProcessHandle::destroy))) {
      while (!p.waitFor(1, TimeUnit.SECONDS)) {
        ctx.cancellation().throwIfCancelled("golden image build");
        phaseFromLog(log, ctx);
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            "the golden image recipe failed (exit "
                + p.exitValue()
                + "): "
                + tail(log)
                + " (full log: "
                + log
                + ")");
      }
    } finally {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
  }

  /** The recipe reports its steps as "golden: ..." lines; each becomes the phase. */
  private static void phaseFromLog(Path log, OperationContext ctx) throws IOException {
    String last = "";
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.startsWith("golden: ")) {
        String step = line.substring(8).trim();
        last = step.length() > 72 ? step.substring(0, 72) + "..." : step;
      }
    }
    if (!last.isEmpty()) {
      ctx.phaseIfChanged(last);
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
  }

  /** Copies the packaged recipe into {@code dir}, keeping the scripts executable. */
  static void extract(Path dir) throws IOException {
    Path root;
    FileSystem jar = null;
    try {
      var url = GoldenRecipe.class.getClassLoader().getResource(RESOURCE_ROOT);
      if (url == null) {
        throw new IOException("the golden recipe is not packaged in this bangerd");
      }
      if ("jar".equals(url.getProtocol())) {
        jar = FileSystems.newFileSystem(url.toURI(), Map.of());
        root = jar.getPath(RESOURCE_ROOT);
      } else {
        root = Path.of(url.toURI());
      }
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path src : walk.toList()) {
          Path dst = dir.resolve(root.relativize(src).toString());
          if (Files.isDirectory(src)) {
            Files.createDirectories(dst);
          } else {
            try (InputStream in = Files.newInputStream(src)) {
              Files.copy(in, dst, StandardCopyOption.REPLACE_EXISTING);
            }
            if (dst.toString().endsWith(".sh")) {
              dst.toFile().setExecutable(true);
            }
          }
        }
      }
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate the packaged golden recipe: " + e.getMessage(), e);
    } finally {
      if (jar != null) {
        jar.close();
      }
    }
    LOG.debug("golden recipe extracted to {}", dir);
  }
}
