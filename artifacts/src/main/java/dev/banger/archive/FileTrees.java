package dev.banger.archive;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Removes directory trees without ever following a symbolic link out of them: a link inside a tree
 * is removed, never what it points to. Stateless and thread-safe.
 */
public final class FileTrees {

  private FileTrees() {}

  /** Deletes {@code root} and everything below it; does nothing if it does not exist. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(root);
      return;
    }
    deleteContents(root);
    Files.delete(root);
  }

  /** Deletes everything below the directory {@code root}, keeping {@code root} itself. */
  public static void deleteContents(Path root) throws IOException {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
      for (Path child : children) {
        Files.walkFileTree(child, new Remover());
      }
    }
  }

  /** Deletes files and links as they are visited and directories once they are empty. */
  private static final class Remover extends SimpleFileVisitor<Path> {
    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
      Files.delete(file);
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
      if (failure != null) {
        throw failure;
      }
      Files.delete(dir);
      return FileVisitResult.CONTINUE;
    }
  }
}
