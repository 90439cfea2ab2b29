package dev.banger.vmm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Identifies a process beyond its pid, which the kernel reuses: its start time (in clock ticks
 * since boot, field 22 of {@code /proc/PID/stat}) and its command line. Read from Linux's {@code
 * /proc}.
 *
 * <p>Immutable, so thread-safe.
 *
 * @param pid the process id
 * @param startTimeTicks the start time in clock ticks since boot
 * @param commandLine the arguments from {@code /proc/PID/cmdline}
 */
public record ProcessIdentity(long pid, long startTimeTicks, List<String> commandLine) {
  private static final Path PROC = Path.of("/proc");
  private static final int STATE_FIELD = 0;
  private static final int START_TIME_FIELD = 19;

  /** Copies the command line. */
  public ProcessIdentity {
    commandLine = List.copyOf(commandLine);
  }

  /**
   * Reads the identity of a running process; empty when no such process exists or only its zombie
   * is left (it has exited and waits to be reaped).
   *
   * @throws VmmException if {@code /proc} exists for the pid but cannot be read
   */
  public static Optional<ProcessIdentity> of(long pid) throws VmmException {
    Path dir = PROC.resolve(Long.toString(pid));
    try {
      Optional<String[]> stat = statFields(dir);
      if (stat.isEmpty() || isZombie(stat.get())) {
        return Optional.empty();
      }
      long start = Long.parseLong(stat.get()[START_TIME_FIELD]);
      return Optional.of(new ProcessIdentity(pid, start, commandLine(dir)));
    } catch (NoSuchFileException gone) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      throw new VmmException("Could not read the identity of process " + pid + " from " + dir, e);
    }
  }

  /** Whether {@code other} is the same process: same pid, start time and command line. */
  public boolean sameProcessAs(ProcessIdentity other) {
    return pid == other.pid
        && startTimeTicks == other.startTimeTicks
        && commandLine.equals(other.commandLine);
  }

  /**
   * The fields after the command name in {@code stat}, starting with the state. The name is in
   * parentheses and may itself contain spaces and parentheses, so split after the last one.
   */
  private static Optional<String[]> statFields(Path dir) throws IOException {
    String stat = Files.readString(dir.resolve("stat"), StandardCharsets.US_ASCII);
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      return Optional.empty();
    }
    return Optional.of(stat.substring(close + 1).trim().split(" "));
  }

  private static boolean isZombie(String[] fields) {
    String state = fields[STATE_FIELD];
    return state.equals("Z") || state.equals("X");
  }

  private static List<String> commandLine(Path dir) throws IOException {
    byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
    List<String> args = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == 0) {
        args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    if (start < raw.length) {
      args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
    }
    return args;
  }
}
