package dev.banger.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive lock that keeps a second daemon off one state directory: an OS file lock ({@code
 * flock}-style, through {@link FileChannel#tryLock}) on {@code bangerd.lock}, which also holds the
 * owner's pid. The kernel drops the lock when the process dies, even by {@code kill -9}, so a stale
 * lock file never blocks the next daemon. Not thread-safe; one per process.
 */
public final class StateLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private StateLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock, or throws {@link HeldException} naming the pid that holds it. */
  public static StateLock acquire(Path file) throws IOException, HeldException {
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
      channel.close();
      throw new HeldException(
          "another bangerd (pid "
              + (holder.isEmpty() ? "unknown" : holder)
              + ") is running on "
              + file.getParent()
              + "; stop it with `banger daemon stop`");
    }
    channel.truncate(0);
    channel.write(
        ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
        0);
    channel.force(true);
    return new StateLock(channel, lock);
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // The process is ending; the kernel releases the lock with the descriptor anyway.
    }
  }

  /** The lock is held by another live process. */
  public static final class HeldException extends Exception {
    private static final long serialVersionUID = 1L;

    HeldException(String message) {
      super(message);
    }
  }
}
