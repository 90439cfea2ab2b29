package dev.banger.kernel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The modules directory of one kernel release ({@code lib/modules/<release>}): which modules exist,
 * which are built in, what each depends on according to {@code modules.dep}, and in which order a
 * set of them must be loaded.
 *
 * <p>Module names are compared the way the kernel does, with '-' and '_' equivalent ({@code
 * virtio-rng} is {@code virtio_rng}).
 *
 * <p>Debian's kernel packages ship no modules.dep (depmod writes it at installation); {@link
 * #writeModulesDep(Path)} writes it the same way, from the {@code depends=} field of each module's
 * .modinfo section.
 *
 * <p>Immutable after {@link #open(Path)}; thread-safe.
 */
public final class ModuleTree {

  /** The file the dependencies are read from. */
  public static final String MODULES_DEP = "modules.dep";

  private static final List<String> SUFFIXES = List.of(".ko", ".ko.xz", ".ko.zst", ".ko.gz");
  private static final long MAX_MODULE_SIZE = 64L << 20;

  private final Path directory;
  private final Map<String, String> paths;
  private final Map<String, List<String>> dependencies;
  private final Set<String> builtin;

  private ModuleTree(
      Path directory,
      Map<String, String> paths,
      Map<String, List<String>> dependencies,
      Set<String> builtin) {
    this.directory = directory;
    this.paths = paths;
    this.dependencies = dependencies;
    this.builtin = builtin;
  }

  /**
   * Reads {@code modules.dep} (and {@code modules.builtin}, when present) of {@code directory}.
   *
   * @throws KernelException if modules.dep is missing or malformed
   */
  public static ModuleTree open(Path directory) throws KernelException {
    Path dep = directory.resolve(MODULES_DEP);
    if (!Files.isRegularFile(dep)) {
      throw new KernelException(
          "Modules directory '"
              + directory
              + "' has no "
              + MODULES_DEP
              + " (run depmod, or let banger write it)");
    }
    Map<String, String> paths = new LinkedHashMap<>();
    Map<String, List<String>> dependencies = new HashMap<>();
    try {
      int lineNumber = 0;
      for (String line : Files.readAllLines(dep, StandardCharsets.UTF_8)) {
        lineNumber++;
        if (!line.isBlank()) {
          parseDepLine(line, lineNumber, dep, paths, dependencies);
        }
      }
      return new ModuleTree(directory, paths, dependencies, readBuiltin(directory));
    } catch (IOException e) {
      throw new KernelException("Cannot read '" + dep + "': " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code modules.dep} into {@code directory} from the .modinfo of every module found below
   * it, in depmod's format: one line per module, its path, a colon, then every module it needs
   * directly or indirectly, those loaded last listed first.
   *
   * @return the number of modules described
   */
  public static int writeModulesDep(Path directory) throws KernelException {
    Map<String, String> paths = findModules(directory);
    Map<String, List<String>> direct = new HashMap<>();
    for (Map.Entry<String, String> module : paths.entrySet()) {
      direct.put(module.getKey(), declaredDependencies(directory, module.getValue()));
    }
    for (Map.Entry<String, List<String>> module : direct.entrySet()) {
      for (String dependency : module.getValue()) {
        if (!paths.containsKey(dependency)) {
          throw new KernelException(
              "Module '"
                  + paths.get(module.getKey())
                  + "' in '"
                  + directory
                  + "' depends on '"
                  + dependency
                  + "', which is not there");
        }
      }
    }
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> module : orderedByModulesOrder(directory, paths)) {
      List<String> closure = new ArrayList<>(topologicalOrder(List.of(module.getKey()), direct));
      closure.removeLast();
      out.append(module.getValue()).append(':');
      for (String dependency : closure.reversed()) {
        out.append(' ').append(paths.get(dependency));
      }
      out.append('\n');
    }
    Path dep = directory.resolve(MODULES_DEP);
    try {
      Files.writeString(dep, out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new KernelException("Cannot write '" + dep + "': " + e.getMessage(), e);
    }
    return paths.size();
  }

  /** The normalized module name of a path or name ("kernel/x/virtio-rng.ko" is "virtio_rng"). */
  public static String moduleName(String pathOrName) {
    String name = pathOrName.substring(pathOrName.lastIndexOf('/') + 1);
    for (String suffix : SUFFIXES) {
      if (name.endsWith(suffix)) {
        name = name.substring(0, name.length() - suffix.length());
        break;
      }
    }
    return name.replace('-', '_');
  }

  /** The directory this tree describes. */
  public Path directory() {
    return directory;
  }

  /** Whether {@code name} is a loadable module of this release. */
  public boolean isModule(String name) {
    return paths.containsKey(moduleName(name));
  }

  /** Whether {@code name} is built into the kernel image (listed in modules.builtin). */
  public boolean isBuiltin(String name) {
    return builtin.contains(moduleName(name));
  }

  /**
   * The modules {@code name} needs, directly or indirectly, as modules.dep lists them; empty for an
   * unknown or built-in module.
   */
  public List<String> dependencies(String name) {
    return List.copyOf(dependencies.getOrDefault(moduleName(name), List.of()));
  }

  /** The number of loadable modules. */
  public int moduleCount() {
    return paths.size();
  }

  /**
   * Returns the modules to load, dependencies first, so that {@code wanted} and everything they
   * need are present; modules built into the kernel are left out.
   *
   * @throws KernelException if a wanted module is neither a module nor built in, or the
   *     dependencies form a cycle
   */
  public List<ModuleFile> loadOrder(Collection<String> wanted) throws KernelException {
    List<String> roots = new ArrayList<>();
    for (String name : wanted) {
      String normalized = moduleName(name);
      if (paths.containsKey(normalized)) {
        roots.add(normalized);
      } else if (!builtin.contains(normalized)) {
        throw new KernelException(
            "Module '"
                + name
                + "' is neither built into the kernel nor present in '"
                + directory
                + "'");
      }
    }
    List<ModuleFile> order = new ArrayList<>();
    for (String name : topologicalOrder(roots, dependencies)) {
      String path = paths.get(name);
      if (path == null) {
        throw new KernelException(
            "Module '"
                + name
                + "', needed by the modules to load, is missing from "
                + MODULES_DEP
                + " of '"
                + directory
                + "'");
      }
      order.add(new ModuleFile(name, path));
    }
    return order;
  }

  /**
   * Reads a module file, decompressing .ko.xz, .ko.zst and .ko.gz, so that a loader without
   * decompression support (busybox insmod) can use it.
   */
  static byte[] readModule(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_MODULE_SIZE) {
      throw new IOException("module '" + file + "' is " + size + " bytes, implausibly large");
    }
    byte[] raw = Files.readAllBytes(file);
    PayloadCompression compression = PayloadCompression.detect(PayloadCompression.head(raw, 0));
    if (compression == PayloadCompression.NONE) {
      return raw;
    }
    try (InputStream in = compression.decoder(new ByteArrayInputStream(raw), raw.length)) {
      byte[] decoded = in.readNBytes((int) MAX_MODULE_SIZE + 1);
      if (decoded.length > MAX_MODULE_SIZE) {
        throw new IOException("module '" + file + "' decompresses to more than 64 MiB");
      }
      return decoded;
    }
  }

  /**
   * Orders {@code roots} and their dependencies so that every module comes after all it needs.
   * Depth-first, following each module's dependency list from its end (the deepest in depmod's
   * order) so the result reads naturally.
   */
  private static List<String> topologicalOrder(
      List<String> roots, Map<String, List<String>> dependencies) throws KernelException {
    Set<String> done = new LinkedHashSet<>();
    for (String root : roots) {
      visit(root, dependencies, done, new ArrayDeque<>());
    }
    return List.copyOf(done);
  }

  private static void visit(
      String name, Map<String, List<String>> dependencies, Set<String> done, Deque<String> path)
      throws KernelException {
    if (done.contains(name)) {
      return;
    }
    if (path.contains(name)) {
      List<String> cycle = new ArrayList<>(path);
      cycle.add(name);
      throw new KernelException("Module dependencies form a cycle: " + String.join(" -> ", cycle));
    }
    path.addLast(name);
    for (String dependency : dependencies.getOrDefault(name, List.of()).reversed()) {
      visit(dependency, dependencies, done, path);
    }
    path.removeLast();
    done.add(name);
  }

  private static void parseDepLine(
      String line,
      int lineNumber,
      Path dep,
      Map<String, String> paths,
      Map<String, List<String>> dependencies)
      throws KernelException {
    int colon = line.indexOf(':');
    if (colon <= 0) {
      throw new KernelException(
          "Line " + lineNumber + " of '" + dep + "' has no 'module: dependencies' form: " + line);
    }
    String path = line.substring(0, colon).trim();
    String name = moduleName(path);
    paths.put(name, path);
    List<String> needs = new ArrayList<>();
    for (String dependency : line.substring(colon + 1).trim().split("\\s+")) {
      if (!dependency.isEmpty()) {
        needs.add(moduleName(dependency));
        paths.putIfAbsent(moduleName(dependency), dependency);
      }
    }
    dependencies.put(name, needs);
  }

  private static Set<String> readBuiltin(Path directory) throws IOException {
    Path file = directory.resolve("modules.builtin");
    Set<String> names = new HashSet<>();
    if (Files.isRegularFile(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          names.add(moduleName(line.trim()));
        }
      }
    }
    return names;
  }

  private static Map<String, String> findModules(Path directory) throws KernelException {
    Map<String, String> paths = new TreeMap<>();
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String relative = directory.relativize(file).toString();
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
            && SUFFIXES.stream().anyMatch(relative::endsWith)) {
          String previous = paths.put(moduleName(relative), relative);
          if (previous != null) {
            throw new KernelException(
                "Modules directory '"
                    + directory
                    + "' holds two files for module '"
                    + moduleName(relative)
                    + "': "
                    + previous
                    + " and "
                    + relative);
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw new KernelException(
          "Cannot list the modules below '" + directory + "': " + e.getMessage(), e);
    }
    return paths;
  }

  private static List<String> declaredDependencies(Path directory, String relative)
      throws KernelException {
    Path file = directory.resolve(relative);
    try {
      List<String> values = ModuleInfoSection.values(readModule(file), "depends", relative);
      List<String> names = new ArrayList<>();
      for (String value : values) {
        for (String name : value.split(",")) {
          if (!name.isBlank()) {
            names.add(moduleName(name.trim()));
          }
        }
      }
      return names;
    } catch (IOException e) {
      throw new KernelException(
          "Cannot read the dependencies of module '" + file + "': " + e.getMessage(), e);
    }
  }

  private static List<Map.Entry<String, String>> orderedByModulesOrder(
      Path directory, Map<String, String> paths) throws KernelException {
    Map<String, Integer> position = new HashMap<>();
    Path order = directory.resolve("modules.order");
    try {
      if (Files.isRegularFile(order)) {
        for (String line : Files.readAllLines(order, StandardCharsets.UTF_8)) {
          position.putIfAbsent(moduleName(line.trim()), position.size());
        }
      }
    } catch (IOException e) {
      throw new KernelException("Cannot read '" + order + "': " + e.getMessage(), e);
    }
    List<Map.Entry<String, String>> entries = new ArrayList<>(paths.entrySet());
    entries.sort(
        Comparator.comparingInt(
                (Map.Entry<String, String> e) ->
                    position.getOrDefault(e.getKey(), Integer.MAX_VALUE))
            .thenComparing(Map.Entry::getKey));
    return entries;
  }
}
