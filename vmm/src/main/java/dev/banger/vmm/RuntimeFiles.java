package dev.banger.vmm;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The ledger of files and directories a driver created while starting one VM, so that a failed
 * start removes exactly those and nothing the caller already had.
 *
 * <p>Not thread-safe: one start uses it from one thread.
 */
public final class RuntimeFiles {
  private final Deque<Path> created = new ArrayDeque<>();
  private final Deque<Path> trees = new ArrayDeque<>();

  /** Creates {@code dir} and its missing parents, remembering each one it created. */
  public void createDirectories(Path dir) throws VmmException {
    List<Path> missing = new ArrayList<>();
    for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
      missing.addFirst(p);
    }
    for (Path p : missing) {
      try {
        Files.createDirectory(p);
        created.push(p);
      } catch (IOException e) {
        throw new VmmException("Could not create directory " + p + ": " + e.getMessage(), e);
      }
    }
  }

  /** Creates an empty file unless it exists; a file created here is remembered. */
  public void createFileIfMissing(Path file) throws VmmException {
    try {
      Files.createFile(file);
      created.push(file);
    } catch (FileAlreadyExistsException exists) {
      // Kept as it is: an earlier run's log goes on being appended to.
    } catch (IOException e) {
      throw new VmmException("Could not create file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Remembers a path the VMM will create, such as a socket it binds. */
  public void track(Path path) {
    created.push(path);
  }

  /**
   * Remembers a directory to be deleted with all its content, such as a jail that the jailer also
   * fills with device nodes and a copy of Firecracker.
   */
  public void trackTree(Path dir) {
    trees.push(dir);
  }

  /**
   * Removes a socket a dead VMM left behind. Anything other than a socket at that path is not ours
   * to delete, so it is an error.
   */
  public static void removeStaleSocket(Path socket) throws VmmException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException absent) {
      return;
    } catch (IOException e) {
      throw new VmmException("Could not inspect stale socket " + socket + ": " + e.getMessage(), e);
    }
    if (!attrs.isOther()) {
      throw new VmmException(
          "Refusing to remove "
              + socket
              + ": a VMM socket belongs there, but it is a "
              + (attrs.isDirectory() ? "directory" : attrs.isSymbolicLink() ? "symlink" : "file"));
    }
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw new VmmException("Could not remove stale socket " + socket + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the remembered trees, then everything else remembered, newest first; a directory only
   * when it is empty by then.
   *
   * @throws VmmException listing every path that could not be removed
   */
  public void removeAll() throws VmmException {
    List<String> failures = new ArrayList<>();
    while (!trees.isEmpty()) {
      Path tree = trees.pop();
      try {
        deleteTree(tree);
      } catch (IOException e) {
        failures.add(tree + " (" + e.getMessage() + ")");
      }
    }
    while (!created.isEmpty()) {
      Path path = created.pop();
      try {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          deleteEmptyDirectory(path);
        } else {
          Files.deleteIfExists(path);
        }
      } catch (IOException e) {
        failures.add(path + " (" + e.getMessage() + ")");
      }
    }
    if (!failures.isEmpty()) {
      throw new VmmException("Could not remove " + String.join(", ", failures));
    }
  }

  /** Deletes a whole tree without following symbolic links out of it. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null) {
              throw exc;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static void deleteEmptyDirectory(Path dir) throws IOException {
    try (var entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        return;
      }
    }
    Files.deleteIfExists(dir);
  }
}
