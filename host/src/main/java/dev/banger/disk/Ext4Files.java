package dev.banger.disk;

import dev.banger.hostos.CommandResult;
import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes files inside an ext4 image without mounting it, through {@code debugfs -w} from
 * e2fsprogs. This works without root and without loop devices, which is how each VM's SSH public
 * key gets into its root disk at create time.
 *
 * <p>debugfs exits 0 even when a command fails and reports failures only on standard error, so
 * every run here treats any standard error line other than its version banner as a failure.
 *
 * <p>Limitations: guest paths are restricted to absolute paths of letters, digits and {@code
 * ._@+=:,~/-} so that debugfs's command parser cannot misread them; the image must not be in use by
 * a running VM.
 *
 * <p>Immutable and thread-safe; concurrent writes to the same image are not.
 */
public final class Ext4Files {
  private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9._@+=:,~-]+)+|/");
  private static final Pattern BANNER = Pattern.compile("debugfs \\S+ \\(.*\\)");
  private static final Pattern COMMAND_ECHO = Pattern.compile("debugfs: (\\S+) (.*)");
  private static final Pattern TYPE_AND_MODE =
      Pattern.compile("Type:\\s*(\\S+)\\s+Mode:\\s*([0-7]+)");
  private static final Pattern OWNER = Pattern.compile("User:\\s*(\\d+)\\s+Group:\\s*(\\d+)");
  private static final Pattern SIZE = Pattern.compile("\\bSize:\\s*(\\d+)\\s*$");
  private static final int DIRECTORY_TYPE = 040000;
  private static final int REGULAR_TYPE = 0100000;

  private final CommandRunner runner;

  /** Runs {@code debugfs} through {@code runner}. */
  public Ext4Files(CommandRunner runner) {
    this.runner = runner;
  }

  /** The file or directory at {@code guestPath} in {@code image}, or empty when absent. */
  public Optional<Ext4Entry> stat(Path image, String guestPath) throws DiskException {
    return Optional.ofNullable(statAll(image, List.of(checkedPath(guestPath))).get(guestPath));
  }

  /**
   * Creates directory {@code guestDir} and any missing parents, giving the created ones and {@code
   * guestDir} itself {@code attributes}; existing parents are left as they are.
   */
  public void makeDirectories(Path image, String guestDir, GuestFileAttributes attributes)
      throws DiskException {
    List<String> chain = ancestry(checkedPath(guestDir));
    Map<String, Ext4Entry> existing = statAll(image, chain);
    List<String> commands = new ArrayList<>();
    for (String directory : chain) {
      Ext4Entry entry = existing.get(directory);
      if (entry != null && !entry.isDirectory()) {
        throw new DiskException(
            "cannot create directory '%s' in '%s': '%s' exists and is a %s"
                .formatted(guestDir, image, directory, entry.type()));
      }
      if (entry == null) {
        commands.add("mkdir " + directory);
      }
      if (entry == null || directory.equals(guestDir)) {
        commands.addAll(setAttributes(directory, DIRECTORY_TYPE, attributes));
      }
    }
    runWriting(image, commands, "create directory '%s'".formatted(guestDir));
  }

  /**
   * Writes {@code content} to {@code guestPath}, replacing any file there, with {@code attributes}.
   * The parent directory must exist.
   */
  public void writeFile(
      Path image, String guestPath, byte[] content, GuestFileAttributes attributes)
      throws DiskException {
    String path = checkedPath(guestPath);
    String parent = parentOf(path);
    Map<String, Ext4Entry> existing = statAll(image, List.of(parent, path));
    requireDirectory(image, parent, existing.get(parent));
    Ext4Entry current = existing.get(path);
    if (current != null && !current.isRegularFile()) {
      throw new DiskException(
          "cannot write '%s' in '%s': it exists and is a %s"
              .formatted(path, image, current.type()));
    }

    try (Staging staging = Staging.create()) {
      Path source = staging.file();
      Files.write(source, content);
      List<String> commands = new ArrayList<>();
      if (current != null) {
        commands.add("rm " + path);
      }
      commands.add("cd " + parent);
      commands.add("write " + source + " " + nameOf(path));
      commands.addAll(setAttributes(path, REGULAR_TYPE, attributes));
      runWriting(image, commands, "write '%s'".formatted(path));
    } catch (DiskException e) {
      throw e;
    } catch (IOException e) {
      throw new DiskException(
          "could not stage the content of '%s' for '%s'".formatted(path, image), e);
    }
  }

  /** The content of the regular file at {@code guestPath} in {@code image}. */
  public byte[] readFile(Path image, String guestPath) throws DiskException {
    String path = checkedPath(guestPath);
    try (Staging staging = Staging.create()) {
      Path target = staging.file();
      CommandResult result = debugfs(image, false, List.of("dump " + path + " " + target));
      List<String> complaints = complaints(result);
      if (!complaints.isEmpty()) {
        throw new DiskException(
            "could not read '%s' from '%s': %s"
                .formatted(path, image, String.join("; ", complaints)));
      }
      return Files.readAllBytes(target);
    } catch (DiskException e) {
      throw e;
    } catch (IOException e) {
      throw new DiskException("could not read '%s' from '%s'".formatted(path, image), e);
    }
  }

  /**
   * Adds {@code publicKey} (one OpenSSH public key line) to root's {@code authorized_keys},
   * creating {@code /root/.ssh} (mode 700) and the file (mode 600) as needed. A key already present
   * is not added twice.
   */
  public void authorizeSshKey(Path image, String publicKey) throws DiskException {
    String key = publicKey.strip();
    if (key.isEmpty() || key.contains("\n") || key.contains("\r")) {
      throw new DiskException(
          "cannot authorize SSH key in '%s': expected one public key line, got %d characters"
              .formatted(image, publicKey.length()));
    }
    String file = "/root/.ssh/authorized_keys";
    makeDirectories(image, "/root/.ssh", GuestFileAttributes.root(0700));
    String existing =
        stat(image, file).isPresent()
            ? new String(readFile(image, file), StandardCharsets.UTF_8)
            : "";
    if (existing.lines().anyMatch(line -> line.strip().equals(key))) {
      return;
    }
    String separator = existing.isEmpty() || existing.endsWith("\n") ? "" : "\n";
    byte[] content = (existing + separator + key + "\n").getBytes(StandardCharsets.UTF_8);
    writeFile(image, file, content, GuestFileAttributes.root(0600));
  }

  private Map<String, Ext4Entry> statAll(Path image, List<String> paths) throws DiskException {
    List<String> commands = paths.stream().map(path -> "stat " + path).toList();
    CommandResult result = debugfs(image, false, commands);
    for (String complaint : complaints(result)) {
      // A path is absent when nothing has its name or when a parent of it is not a directory.
      boolean expected =
          paths.stream()
              .anyMatch(
                  path ->
                      complaint.startsWith(path + ": File not found")
                          || complaint.startsWith(path + ": Ext2 inode is not a directory"));
      if (!expected) {
        throw new DiskException(
            "could not look up %s in '%s': %s".formatted(paths, image, complaint));
      }
    }
    return parseStats(result.stdout());
  }

  private static Map<String, Ext4Entry> parseStats(String stdout) {
    Map<String, Ext4Entry> entries = new HashMap<>();
    String current = null;
    Matcher typeAndMode = null;
    Matcher owner = null;
    for (String line : stdout.lines().toList()) {
      Matcher echo = COMMAND_ECHO.matcher(line);
      if (echo.matches()) {
        current = "stat".equals(echo.group(1)) ? echo.group(2) : null;
        typeAndMode = null;
        owner = null;
        continue;
      }
      if (current == null) {
        continue;
      }
      Matcher candidate = TYPE_AND_MODE.matcher(line);
      if (typeAndMode == null && candidate.find()) {
        typeAndMode = candidate;
      }
      Matcher ownerCandidate = OWNER.matcher(line);
      Matcher size = SIZE.matcher(line);
      if (typeAndMode != null && owner == null && ownerCandidate.find() && size.find()) {
        owner = ownerCandidate;
        entries.put(current, entry(current, typeAndMode, owner, size));
      }
    }
    return entries;
  }

  private static Ext4Entry entry(String path, Matcher typeAndMode, Matcher owner, Matcher size) {
    int mode = Integer.parseInt(typeAndMode.group(2), 8);
    return new Ext4Entry(
        path,
        typeAndMode.group(1),
        mode & 07777,
        Integer.parseInt(owner.group(1)),
        Integer.parseInt(owner.group(2)),
        Long.parseLong(size.group(1)));
  }

  private void runWriting(Path image, List<String> commands, String action) throws DiskException {
    if (commands.isEmpty()) {
      return;
    }
    List<String> complaints = complaints(debugfs(image, true, commands));
    if (!complaints.isEmpty()) {
      throw new DiskException(
          "could not %s in '%s': debugfs reported %s"
              .formatted(action, image, String.join("; ", complaints)));
    }
  }

  private CommandResult debugfs(Path image, boolean write, List<String> commands)
      throws DiskException {
    List<String> argv = new ArrayList<>(List.of("debugfs"));
    if (write) {
      argv.add("-w");
    }
    argv.addAll(List.of("-f", "-", image.toString()));
    byte[] script = (String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      return runner.check(argv, script);
    } catch (HostOsException e) {
      throw new DiskException("could not run debugfs on '%s'".formatted(image), e);
    }
  }

  private static List<String> complaints(CommandResult result) {
    return result
        .stderr()
        .lines()
        .map(String::strip)
        .filter(line -> !line.isEmpty() && !BANNER.matcher(line).matches())
        .toList();
  }

  private static List<String> setAttributes(
      String path, int typeBits, GuestFileAttributes attributes) {
    return List.of(
        "sif %s mode 0%o".formatted(path, typeBits | attributes.permissions()),
        "sif %s uid %d".formatted(path, attributes.uid()),
        "sif %s gid %d".formatted(path, attributes.gid()));
  }

  private static void requireDirectory(Path image, String path, Ext4Entry entry)
      throws DiskException {
    if (entry == null || !entry.isDirectory()) {
      throw new DiskException(
          "cannot write into '%s' in '%s': it is not an existing directory".formatted(path, image));
    }
  }

  private static String checkedPath(String guestPath) throws DiskException {
    if (guestPath == null
        || !SAFE_PATH.matcher(guestPath).matches()
        || guestPath.contains("/../")
        || guestPath.endsWith("/..")
        || (guestPath.length() > 1 && guestPath.endsWith("/"))) {
      throw new DiskException(
          ("guest path '%s' is not usable with debugfs: it must be absolute, normalised and made"
                  + " of letters, digits and ._@+=:,~-")
              .formatted(guestPath));
    }
    return guestPath;
  }

  private static List<String> ancestry(String path) {
    List<String> chain = new ArrayList<>();
    int slash = path.indexOf('/', 1);
    while (slash > 0) {
      chain.add(path.substring(0, slash));
      slash = path.indexOf('/', slash + 1);
    }
    if (!"/".equals(path)) {
      chain.add(path);
    }
    return chain;
  }

  private static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash == 0 ? "/" : path.substring(0, slash);
  }

  private static String nameOf(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** A private temporary directory holding the one host file debugfs reads or writes. */
  private record Staging(Path directory) implements AutoCloseable {
    static Staging create() throws DiskException {
      Path directory;
      try {
        directory = Files.createTempDirectory("banger-ext4-");
      } catch (IOException e) {
        throw new DiskException("could not create a staging directory for debugfs", e);
      }
      Staging staging = new Staging(directory);
      if (!SAFE_PATH.matcher(directory.toString()).matches()) {
        staging.close();
        throw new DiskException(
            "temporary directory '%s' has characters debugfs cannot parse; set java.io.tmpdir"
                .formatted(directory));
      }
      return staging;
    }

    Path file() {
      return directory.resolve("content");
    }

    @Override
    public void close() throws DiskException {
      try {
        Files.deleteIfExists(file());
        Files.delete(directory);
      } catch (IOException e) {
        throw new DiskException("could not remove staging directory '%s'".formatted(directory), e);
      }
    }
  }
}
