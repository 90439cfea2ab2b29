package dev.banger.cli.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The user's terminal during {@code vm exec -t}: raw mode through {@code stty} on {@code /dev/tty}
 * (restored on exit), its size, and size changes (SIGWINCH). Not thread-safe.
 */
final class LocalTerminal {
  private final String saved;

  private LocalTerminal(String saved) {
    this.saved = saved;
  }

  static LocalTerminal enterRaw() {
    String saved = stty("-g").trim();
    stty("raw", "-echo");
    LocalTerminal t = new LocalTerminal(saved);
    Runtime.getRuntime().addShutdownHook(new Thread(t::restore, "restore-tty"));
    return t;
  }

  /**
   * {@code [columns, rows]}; 80x24 when the terminal does not know its size (a new pty reports 0x0,
   * and a guest cannot run a program on a terminal without rows or columns).
   */
  List<Integer> size() {
    String[] rowsCols = stty("size").trim().split("\\s+");
    try {
      int rows = Integer.parseInt(rowsCols[0]);
      int cols = Integer.parseInt(rowsCols[1]);
      return rows > 0 && cols > 0 ? List.of(cols, rows) : List.of(80, 24);
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      return List.of(80, 24);
    }
  }

  @SuppressWarnings("removal")
  void onResize(Consumer<List<Integer>> listener) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> listener.accept(size()));
    } catch (IllegalArgumentException e) {
      // No SIGWINCH here: the guest keeps the first size.
    }
  }

  void restore() {
    if (!saved.isEmpty()) {
      stty(saved);
    }
  }

  private static String stty(String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of("stty"));
    argv.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(5, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
