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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
    return Optional.ofNullable(lookUp(image, List.of(checkedPath(guestPath))).get(guestPath));
  }

  /**
   * Creates directory {@code guestDir} and any missing parents, giving the created ones and {@code
   * guestDir} itself {@code attributes}; existing parents are left as they are.
   */
  public void makeDirectories(Path image, String guestDir, GuestFileAttributes attributes)
      throws DiskException {
    apply(image, List.of(new Ext4Change.Directory(guestDir, attributes)));
  }

  /**
   * Writes {@code content} to {@code guestPath}, replacing any file there, with {@code attributes}.
   * The parent directory must exist.
   */
  public void writeFile(
      Path image, String guestPath, byte[] content, GuestFileAttributes attributes)
      throws DiskException {
    apply(image, List.of(new Ext4Change.File(guestPath, content, attributes)));
  }

  /**
   * Makes {@code changes} in order with one look-up pass and one {@code debugfs -w} run. Every
   * change is checked against what the image holds before anything is written: a path in the way (a
   * file where a directory must go, a directory where a file or link must go) fails the batch with
   * nothing written.
   */
  public void apply(Path image, List<Ext4Change> changes) throws DiskException {
    if (changes.isEmpty()) {
      return;
    }
    Set<String> looked = new LinkedHashSet<>();
    for (Ext4Change change : changes) {
      String path = checkedPath(change.path());
      if (change instanceof Ext4Change.Directory) {
        looked.addAll(ancestry(path));
      } else {
        looked.add(parentOf(path));
        looked.add(path);
      }
      if (change instanceof Ext4Change.Symlink link) {
        checkedPath(link.target());
      }
    }
    Map<String, Ext4Entry> existing = lookUp(image, List.copyOf(looked));

    try (Staging staging = Staging.create()) {
      Batch batch = new Batch(image, existing, staging);
      for (Ext4Change change : changes) {
        batch.add(change);
      }
      runWriting(image, batch.commands, "write " + describe(changes));
    }
  }

  /** The commands of one {@link #apply} batch, checked against what the image holds. */
  private static final class Batch {
    private final Path image;
    private final Map<String, Ext4Entry> existing;
    private final Staging staging;
    private final Set<String> createdDirectories = new HashSet<>();
    private final List<String> commands = new ArrayList<>();

    Batch(Path image, Map<String, Ext4Entry> existing, Staging staging) {
      this.image = image;
      this.existing = existing;
      this.staging = staging;
    }

    void add(Ext4Change change) throws DiskException {
      switch (change) {
        case Ext4Change.Directory d -> directory(d);
        case Ext4Change.File f -> file(f);
        case Ext4Change.Symlink l -> symlink(l);
      }
    }

    private void directory(Ext4Change.Directory change) throws DiskException {
      for (String directory : ancestry(change.path())) {
        Ext4Entry entry = existing.get(directory);
        if (entry != null && !entry.isDirectory()) {
          throw new DiskException(
              "cannot create directory '%s' in '%s': '%s' exists and is a %s"
                  .formatted(change.path(), image, directory, entry.type()));
        }
        boolean absent = entry == null && !createdDirectories.contains(directory);
        if (absent) {
          commands.add("mkdir " + directory);
          createdDirectories.add(directory);
        }
        if (absent || directory.equals(change.path())) {
          commands.addAll(setAttributes(directory, DIRECTORY_TYPE, change.attributes()));
        }
      }
    }

    private void file(Ext4Change.File change) throws DiskException {
      String path = change.path();
      String parent = requireParent(path);
      Ext4Entry current = existing.get(path);
      if (current != null && !current.isRegularFile()) {
        throw new DiskException(
            "cannot write '%s' in '%s': it exists and is a %s"
                .formatted(path, image, current.type()));
      }
      Path source = staging.stage(change.content());
      if (current != null) {
        commands.add("rm " + path);
      }
      // write takes a name in the current directory; going back to / afterwards matters because
      // debugfs's mkdir of an absolute path fails when the current directory is not /.
      commands.add("cd " + parent);
      commands.add("write " + source + " " + nameOf(path));
      commands.add("cd /");
      commands.addAll(setAttributes(path, REGULAR_TYPE, change.attributes()));
    }

    private void symlink(Ext4Change.Symlink change) throws DiskException {
      String path = change.path();
      requireParent(path);
      Ext4Entry current = existing.get(path);
      if (current != null && !"symlink".equals(current.type())) {
        throw new DiskException(
            "cannot link '%s' in '%s': it exists and is a %s"
                .formatted(path, image, current.type()));
      }
      if (current != null) {
        commands.add("rm " + path);
      }
      commands.add("symlink " + path + " " + change.target());
    }

    private String requireParent(String path) throws DiskException {
      String parent = parentOf(path);
      if (!createdDirectories.contains(parent)) {
        requireDirectory(image, parent, existing.get(parent));
      }
      return parent;
    }
  }

  private static String describe(List<Ext4Change> changes) {
    List<String> paths = changes.stream().map(Ext4Change::path).toList();
    return paths.size() == 1 ? "'" + paths.getFirst() + "'" : String.join(", ", paths);
  }

  /** The content of the regular file at {@code guestPath} in {@code image}. */
  public byte[] readFile(Path image, String guestPath) throws DiskException {
    String path = checkedPath(guestPath);
    try (Staging staging = Staging.create()) {
      Path target = staging.nextFile();
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
    apply(image, sshKeyChanges(image, publicKey));
  }

  /**
   * The changes that {@link #authorizeSshKey} makes, to apply in a batch with others: none when the
   * key is already there.
   */
  public List<Ext4Change> sshKeyChanges(Path image, String publicKey) throws DiskException {
    String key = publicKey.strip();
    if (key.isEmpty() || key.contains("\n") || key.contains("\r")) {
      throw new DiskException(
          "cannot authorize SSH key in '%s': expected one public key line, got %d characters"
              .formatted(image, publicKey.length()));
    }
    String file = "/root/.ssh/authorized_keys";
    Optional<Ext4Entry> current = stat(image, file);
    String existing =
        current.isPresent() && current.get().isRegularFile()
            ? new String(readFile(image, file), StandardCharsets.UTF_8)
            : "";
    if (existing.lines().anyMatch(line -> line.strip().equals(key))) {
      return List.of();
    }
    String separator = existing.isEmpty() || existing.endsWith("\n") ? "" : "\n";
    byte[] content = (existing + separator + key + "\n").getBytes(StandardCharsets.UTF_8);
    return List.of(
        new Ext4Change.Directory("/root/.ssh", GuestFileAttributes.root(0700)),
        new Ext4Change.File(file, content, GuestFileAttributes.root(0600)));
  }

  /**
   * The entries at {@code guestPaths} in {@code image}, looked up in one read-only pass; absent
   * paths have no entry in the result.
   */
  public Map<String, Ext4Entry> statAll(Path image, List<String> guestPaths) throws DiskException {
    List<String> paths = new ArrayList<>();
    for (String path : guestPaths) {
      paths.add(checkedPath(path));
    }
    return lookUp(image, paths);
  }

  private Map<String, Ext4Entry> lookUp(Path image, List<String> paths) throws DiskException {
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

  /** A private temporary directory holding the host files debugfs reads or writes. */
  private static final class Staging implements AutoCloseable {
    private final Path directory;
    private final List<Path> files = new ArrayList<>();

    private Staging(Path directory) {
      this.directory = directory;
    }

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

    /** A new file name in the staging directory, removed again by {@link #close}. */
    Path nextFile() {
      Path file = directory.resolve("content-" + files.size());
      files.add(file);
      return file;
    }

    /** A staged file holding {@code content}. */
    Path stage(byte[] content) throws DiskException {
      Path file = nextFile();
      try {
        Files.write(file, content);
      } catch (IOException e) {
        throw new DiskException("could not stage '%s' for debugfs".formatted(file), e);
      }
      return file;
    }

    @Override
    public void close() throws DiskException {
      try {
        for (Path file : files) {
          Files.deleteIfExists(file);
        }
        Files.delete(directory);
      } catch (IOException e) {
        throw new DiskException("could not remove staging directory '%s'".formatted(directory), e);
      }
    }
  }
}
