package dev.banger.cli.command;

import dev.banger.api.ExecMessage;
import dev.banger.cli.CliException;
import dev.banger.cli.client.DaemonClient;
import dev.banger.cli.client.DaemonException;
import dev.banger.cli.client.ExecStream;
import dev.banger.cli.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Runs a command in a VM through the daemon's exec stream: stdin (when attached) goes in, stdout
 * and stderr come back, and the command's exit status becomes the CLI's. With a terminal the local
 * terminal is put in raw mode, so Ctrl-C reaches the guest's terminal and becomes SIGINT there;
 * without one, Ctrl-C on the CLI is forwarded as SIGINT. Not thread-safe.
 */
final class GuestExec {
  private GuestExec() {}

  static int run(
      DaemonClient client,
      String vm,
      List<String> argv,
      boolean stdin,
      boolean tty,
      String user,
      String cwd,
      Map<String, String> env) {
    LocalTerminal terminal = tty ? LocalTerminal.enterRaw() : null;
    try (ExecStream stream = client.duplex(VmCommand.path(vm) + "/exec")) {
      List<Integer> size = terminal == null ? null : terminal.size();
      stream.send(
          Json.bytes(
              new ExecMessage(
                  argv, env, cwd, user, size, null, null, null, null, null, null, null)));
      Thread input =
          Thread.ofPlatform().daemon().name("stdin").start(() -> pumpStdin(stream, stdin));
      if (!tty) {
        forwardInterrupts(stream);
      }
      if (terminal != null) {
        terminal.onResize(
            cols ->
                send(
                    stream,
                    new ExecMessage(
                        null, null, null, null, null, null, null, cols, null, null, null, null)));
      }
      int status = readAnswers(stream.response().body());
      input.interrupt();
      return status;
    } catch (IOException e) {
      throw new CliException("lost the exec stream of VM " + vm + ": " + e.getMessage());
    } finally {
      if (terminal != null) {
        terminal.restore();
      }
    }
  }

  private static int readAnswers(InputStream body) throws IOException {
    PrintStream out = System.out;
    PrintStream err = System.err;
    BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      Json m = Json.parse(line);
      if (m.hasNonNull("stdout")) {
        out.write(Base64.getDecoder().decode(m.path("stdout").asString()));
        out.flush();
      } else if (m.hasNonNull("stderr")) {
        err.write(Base64.getDecoder().decode(m.path("stderr").asString()));
        err.flush();
      } else if (m.hasNonNull("exit")) {
        return m.path("exit").asInt();
      } else if (m.hasNonNull("code")) {
        throw new DaemonException(m.path("code").asString(), m.path("message").asString());
      }
    }
    throw new CliException("the daemon ended the exec stream without an exit status");
  }

  private static void pumpStdin(ExecStream stream, boolean attach) {
    try {
      if (attach) {
        InputStream in = System.in;
        byte[] buf = new byte[16384];
        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
          stream.send(
              Json.bytes(
                  ExecMessage.input(
                      Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf, n)))));
        }
      }
      stream.send(
          Json.bytes(
              new ExecMessage(
                  null, null, null, null, null, null, true, null, null, null, null, null)));
    } catch (IOException e) {
      // The command ended and the stream closed; nothing more to send.
    }
  }

  @SuppressWarnings("removal")
  private static void forwardInterrupts(ExecStream stream) {
    try {
      sun.misc.Signal.handle(
          new sun.misc.Signal("INT"),
          sig ->
              send(
                  stream,
                  new ExecMessage(
                      null, null, null, null, null, null, null, null, 2, null, null, null)));
    } catch (IllegalArgumentException e) {
      // No SIGINT handling on this platform: Ctrl-C then ends the CLI as usual.
    }
  }

  static void send(ExecStream stream, ExecMessage m) {
    try {
      stream.send(Json.bytes(m));
    } catch (IOException e) {
      // The stream is gone; the reader reports how the command ended.
    }
  }
}
