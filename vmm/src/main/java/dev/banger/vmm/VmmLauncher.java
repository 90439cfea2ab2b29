package dev.banger.vmm;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Spawns a VMM so that it outlives the daemon: in a session of its own (through util-linux's {@code
 * setsid}, which execs in place so the pid stays the VMM's), with stdin from {@code /dev/null} and
 * stdout and stderr appended to a file. No pipe ties it to the daemon, so the daemon can exit or
 * restart without the VMM getting SIGPIPE or a terminal's signals.
 *
 * <p>Stateless, so thread-safe.
 */
public final class VmmLauncher {
  private static final List<Path> SETSID_CANDIDATES =
      List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));
  private static final int TAIL_BYTES = 8192;

  private VmmLauncher() {}

  /**
   * Starts {@code command} in its own session, in {@code workDir}, appending its output to {@code
   * outputLog}.
   *
   * @throws VmmException if {@code setsid} is missing or the process cannot be started
   */
  public static Process spawn(List<String> command, Path workDir, Path outputLog)
      throws VmmException {
    List<String> full = new ArrayList<>();
    full.add(setsid().toString());
    full.addAll(command);
    ProcessBuilder builder =
        new ProcessBuilder(full)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(outputLog.toFile()))
            .redirectErrorStream(true);
    try {
      return builder.start();
    } catch (IOException e) {
      throw new VmmException(
          "Could not start " + command.getFirst() + " (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The last lines of a VMM's output file (read from its last 8 KiB), to quote in an error when the
   * VMM fails; empty when the file cannot be read.
   */
  public static String tail(Path outputLog, int maxLines) {
    try (FileChannel channel = FileChannel.open(outputLog, StandardOpenOption.READ)) {
      long start = Math.max(0, channel.size() - TAIL_BYTES);
      ByteBuffer buffer = ByteBuffer.allocate((int) (channel.size() - start));
      while (buffer.hasRemaining() && channel.read(buffer, start + buffer.position()) > 0) {
        // Reads until the buffer is full or the file ends.
      }
      List<String> lines = new String(buffer.array(), 0, buffer.position(), UTF_8).lines().toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - maxLines), lines.size()))
          .strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static Path setsid() throws VmmException {
    Optional<Path> found = SETSID_CANDIDATES.stream().filter(Files::isExecutable).findFirst();
    return found.orElseThrow(
        () ->
            new VmmException(
                "Could not find setsid in "
                    + SETSID_CANDIDATES
                    + "; install util-linux so VMMs can run in their own session"));
  }
}
