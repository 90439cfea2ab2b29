package dev.banger.cli.output;

import dev.banger.cli.json.Json;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows an operation's progress on stderr while the CLI waits for it: a bar redrawn in place on a
 * terminal, plain lines otherwise (one per phase and per 10%), so logs and pipes stay readable. Not
 * thread-safe.
 */
public final class OperationProgress {
  private static final int BAR = 30;

  private final PrintWriter err;
  private final boolean terminal;
  private String lastPhase = "";
  private long lastTenth = -1;
  private boolean barDrawn;

  /** A renderer to {@code err}; {@code terminal} selects the redrawn bar. */
  public OperationProgress(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  /** Whether stderr is a terminal. */
  public static boolean stderrIsTerminal() {
    java.io.Console console = System.console();
    return console != null
        && console.isTerminal()
        && System.getenv("TERM") != null
        && !"dumb".equals(System.getenv("TERM"));
  }

  /** Shows one state of the operation. */
  public void show(Json op) {
    String phase = op.path("phase").asString();
    long done = op.path("done").asLong();
    long total = op.path("total").asLong();
    boolean percent = "percent".equals(op.path("unit").asString());
    String target = op.path("kind").asString() + " " + op.path("target").asString();
    if (terminal) {
      drawBar(target, phase, done, total, percent);
      if (!"running".equals(op.path("state").asString())) {
        err.print("\n");
        barDrawn = false;
      }
    } else {
      long tenth = total > 0 ? done * 10 / total : -1;
      if (!phase.equals(lastPhase) || tenth > lastTenth) {
        err.println(target + ": " + phase + (total > 0 ? " " + amount(done, total, percent) : ""));
      }
      lastTenth = phase.equals(lastPhase) ? Math.max(lastTenth, tenth) : tenth;
    }
    lastPhase = phase;
    err.flush();
  }

  private void drawBar(String target, String phase, long done, long total, boolean percent) {
    StringBuilder line = new StringBuilder("\r").append(target).append(": ").append(phase);
    if (total > 0) {
      int filled = (int) Math.min(BAR, done * BAR / total);
      line.append(" [")
          .append("=".repeat(filled))
          .append(" ".repeat(BAR - filled))
          .append("] ")
          .append(amount(done, total, percent));
    } else if (done > 0) {
      line.append(' ').append(mib(done));
    }
    line.append("\033[K");
    err.print(line);
    barDrawn = true;
  }

  /** Ends a bar line that is still open, so the next output starts on a fresh line. */
  public void finish() {
    if (barDrawn) {
      err.print("\n");
      err.flush();
      barDrawn = false;
    }
  }

  private static String amount(long done, long total, boolean percent) {
    if (percent) {
      return done + "%";
    }
    return String.format(Locale.ROOT, "%d%% (%s / %s)", done * 100 / total, mib(done), mib(total));
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
