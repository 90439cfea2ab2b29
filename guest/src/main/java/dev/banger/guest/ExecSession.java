package dev.banger.guest;

import dev.banger.guest.wire.AgentMessages;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A command running in the guest. Its output streams hold at most the protocol window (256 KiB)
 * each: read them, or close the ones you do not want, or the command stalls once it has written
 * that much. With a terminal, stdout carries everything the terminal shows and stderr is empty.
 * Thread-safe: one thread may write stdin while others read stdout and stderr and one waits.
 */
public final class ExecSession implements AutoCloseable {
  /** SIGINT, what Ctrl-C sends. */
  public static final int SIGINT = 2;

  /** SIGKILL. */
  public static final int SIGKILL = 9;

  /** SIGTERM. */
  public static final int SIGTERM = 15;

  private final Channel channel;
  private final long pid;
  private final boolean terminal;

  ExecSession(Channel channel, long pid, boolean terminal) {
    this.channel = channel;
    this.pid = pid;
    this.terminal = terminal;
  }

  /** The command's process id in the guest. */
  public long pid() {
    return pid;
  }

  /** Whether the command runs on a pseudo-terminal. */
  public boolean terminal() {
    return terminal;
  }

  /** The command's standard input; closing it sends end-of-file (not with a terminal). */
  public OutputStream stdin() {
    return channel.stdin();
  }

  /** The command's standard output (with a terminal: everything it displays). */
  public InputStream stdout() {
    return channel.stdout();
  }

  /** The command's standard error; empty with a terminal. */
  public InputStream stderr() {
    return channel.stderr();
  }

  /** Tells the terminal its new size; the command receives SIGWINCH. */
  public void resize(TerminalSize size) throws AgentException {
    channel.resize(size.rows(), size.cols());
  }

  /**
   * Sends a signal to the command's process group (with a terminal: to the terminal's foreground
   * group, where Ctrl-C would deliver it).
   */
  public void signal(int signo) throws AgentException {
    channel.signal(signo);
  }

  /** Waits for the command to end and its output to arrive. */
  public ExitStatus waitFor() throws AgentException, InterruptedException {
    try {
      return result(channel.closed().get());
    } catch (ExecutionException e) {
      throw Multiplexer.unwrap(e, channel.purpose());
    }
  }

  /** Waits at most {@code timeout}; empty if the command is still running. */
  public Optional<ExitStatus> waitFor(Duration timeout)
      throws AgentException, InterruptedException {
    try {
      return Optional.of(result(channel.closed().get(timeout.toMillis(), TimeUnit.MILLISECONDS)));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw Multiplexer.unwrap(e, channel.purpose());
    }
  }

  /** Whether the command has ended (or its channel failed). */
  public boolean isDone() {
    return channel.closed().isDone();
  }

  /** Kills the command's process group if it still runs, and frees the channel. */
  @Override
  public void close() {
    channel.abort("the host closed the session");
  }

  private ExitStatus result(AgentMessages.Close close) throws AgentException {
    if (close.code() != 0) {
      throw channel.failureOf(close);
    }
    AgentMessages.Exit exit = channel.exit().getNow(null);
    if (exit == null) {
      throw new AgentException(
          AgentException.Reason.PROTOCOL, channel.purpose() + " ended without an exit status");
    }
    return new ExitStatus(exit.signaled(), exit.value());
  }
}
