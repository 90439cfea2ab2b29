package dev.banger.hostos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A process running on the host as seen in {@code /proc}: its pid and command line. Used to find
 * processes (VMMs, helpers) whose command line names a VM's files, so that leftovers can be listed
 * and reaped.
 *
 * <p>Immutable and thread-safe; a snapshot that may be stale as soon as it is read.
 *
 * @param pid the process id
 * @param commandLine its arguments as read from {@code /proc/PID/cmdline}
 */
public record LinuxProcess(long pid, List<String> commandLine) {
  private static final Path PROC = Path.of("/proc");

  /** Copies the command line so the record stays immutable. */
  public LinuxProcess {
    commandLine = List.copyOf(commandLine);
  }

  /** Every process visible in {@code /proc} that has a command line (kernel threads have none). */
  public static List<LinuxProcess> all() throws HostOsException {
    List<LinuxProcess> processes = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path entry : entries) {
        List<String> commandLine = readCommandLine(entry.resolve("cmdline"));
        if (!commandLine.isEmpty()) {
          long pid = Long.parseLong(entry.getFileName().toString());
          processes.add(new LinuxProcess(pid, commandLine));
        }
      }
    } catch (IOException e) {
      throw new HostOsException("could not list processes in " + PROC, e);
    }
    return processes;
  }

  /** The processes whose command line contains {@code path} in any argument. */
  public static List<LinuxProcess> mentioning(Path path) throws HostOsException {
    return all().stream().filter(process -> process.mentions(path)).toList();
  }

  /** True when an argument contains {@code path} (alone or inside, as in {@code file=PATH}). */
  public boolean mentions(Path path) {
    String needle = path.toString();
    return commandLine.stream().anyMatch(argument -> argument.contains(needle));
  }

  private static List<String> readCommandLine(Path file) throws IOException {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      // The process exited between listing /proc and reading its command line.
      return List.of();
    }
    String text = new String(raw, StandardCharsets.UTF_8);
    if (text.isEmpty()) {
      return List.of();
    }
    return Arrays.asList(text.split("\0"));
  }
}
