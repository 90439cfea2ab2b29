package dev.banger.daemon.vm;

import dev.banger.api.ApiVersion;
import dev.banger.api.CopyRequest;
import dev.banger.api.CreateVmRequest;
import dev.banger.api.ErrorBody;
import dev.banger.api.ExecMessage;
import dev.banger.api.SshEndpoint;
import dev.banger.daemon.http.ApiException;
import dev.banger.daemon.http.ApiRequest;
import dev.banger.daemon.http.Json;
import dev.banger.daemon.http.Route;
import dev.banger.daemon.http.Streaming;
import dev.banger.guest.AgentClient;
import dev.banger.guest.ExecRequest;
import dev.banger.guest.ExecSession;
import dev.banger.guest.ExitStatus;
import dev.banger.guest.TerminalSize;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The {@code /v1/vms} routes: lifecycle, logs, exec (a duplex stream), cp and ssh. */
public final class VmRoutes {
  /** Path of the VMs collection. */
  public static final String PATH = ApiVersion.PREFIX + "/vms";

  private VmRoutes() {}

  /** The routes over {@code vms}. */
  public static List<Route> of(VmService vms) {
    return List.of(
        new Route("GET", PATH, r -> vms.repository().list()),
        new Route("POST", PATH, r -> vms.create(Json.read(r.body(), CreateVmRequest.class))),
        new Route("GET", PATH + "/{vm}", r -> vms.show(r.param("vm"))),
        new Route(
            "DELETE",
            PATH + "/{vm}",
            r -> {
              vms.remove(r.param("vm"), "true".equals(r.query("force", "false")));
              return null;
            }),
        new Route("POST", PATH + "/{vm}/start", r -> vms.start(r.param("vm"))),
        new Route(
            "POST", PATH + "/{vm}/stop", r -> vms.stop(r.param("vm"), seconds(r, "timeout", 30))),
        new Route("POST", PATH + "/{vm}/kill", r -> vms.kill(r.param("vm"))),
        new Route("POST", PATH + "/{vm}/restart", r -> vms.restart(r.param("vm"))),
        new Route(
            "POST",
            PATH + "/{vm}/wait",
            r -> vms.waitReady(r.param("vm"), seconds(r, "timeout", 300))),
        new Route("GET", PATH + "/{vm}/logs", r -> logs(vms, r)),
        new Route(
            "POST",
            PATH + "/{vm}/cp",
            r -> copy(vms, r.param("vm"), Json.read(r.body(), CopyRequest.class))),
        new Route("GET", PATH + "/{vm}/ssh", r -> ssh(vms, r.param("vm"))),
        Route.duplex("POST", PATH + "/{vm}/exec", (r, in, out) -> exec(vms, r, in, out)));
  }

  private static Duration seconds(ApiRequest r, String name, int fallback) {
    try {
      return Duration.ofSeconds(Long.parseLong(r.query(name, String.valueOf(fallback))));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid " + name + " '" + r.query(name, "") + "': seconds");
    }
  }

  /**
   * Where to ssh, once the guest's sshd answers: the agent is ready before sshd (which waits for
   * its first-boot host keys), so the endpoint is only handed out after the SSH banner.
   */
  private static SshEndpoint ssh(VmService vms, String ref) throws Exception {
    VmResources r = vms.resources(ref);
    vms.waitReady(ref, Duration.ofMinutes(5));
    SshBanner.await(ref, r.sshHost(), r.sshPort(), Duration.ofMinutes(2));
    Path knownHosts = Path.of(r.vmDir(), "known_hosts");
    return new SshEndpoint(
        r.sshHost(),
        r.sshPort(),
        "root",
        vms.sshKeys().privateKey().toString(),
        knownHosts.toString());
  }

  private static Object copy(VmService vms, String ref, CopyRequest req) throws Exception {
    if (req.hostPath() == null || !req.hostPath().startsWith("/")) {
      throw ApiException.badRequest("the host path '" + req.hostPath() + "' must be absolute");
    }
    if (req.guestPath() == null || !req.guestPath().startsWith("/")) {
      throw ApiException.badRequest("the guest path '" + req.guestPath() + "' must be absolute");
    }
    AgentClient agent = vms.agent(ref, Duration.ofSeconds(30));
    Path host = Path.of(req.hostPath());
    if (req.toGuest()) {
      if (Files.isDirectory(host)) {
        agent.putDirectory(host, req.guestPath());
      } else if (Files.isRegularFile(host)) {
        agent.putFile(host, req.guestPath());
      } else {
        throw ApiException.badRequest("no file or directory at " + host + " on the host");
      }
      return Map.of("copied", host + " -> " + ref + ":" + req.guestPath());
    }
    agent.get(req.guestPath(), host);
    return Map.of("copied", ref + ":" + req.guestPath() + " -> " + host);
  }

  /** The serial console (and lifecycle events), optionally following new output. */
  private static Streaming logs(VmService vms, ApiRequest r) {
    String id = vms.show(r.param("vm")).id();
    boolean follow = "true".equals(r.query("follow", "false"));
    Path console = Path.of(vms.resources(id).vmDir(), "console.log");
    return out -> {
      for (String[] e : vms.repository().events(id, 0)) {
        out.write(("[banger] " + e[1] + "\n").getBytes(StandardCharsets.UTF_8));
      }
      long pos = 0;
      byte[] buf = new byte[16384];
      do {
        if (Files.exists(console)) {
          try (RandomAccessFile f = new RandomAccessFile(console.toFile(), "r")) {
            f.seek(pos);
            for (int n = f.read(buf); n > 0; n = f.read(buf)) {
              out.write(buf, 0, n);
              pos += n;
            }
          }
        }
        out.flush();
        if (follow) {
          Thread.sleep(200);
        }
      } while (follow && vms.repository().find(id).isPresent());
    };
  }

  /** Runs a command in the guest, streaming stdin in and stdout, stderr and the status out. */
  private static void exec(VmService vms, ApiRequest r, InputStream in, OutputStream out)
      throws Exception {
    BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    Object writeLock = new Object();
    try {
      String first = lines.readLine();
      if (first == null) {
        throw ApiException.badRequest("exec needs a first line with argv");
      }
      ExecMessage start = Json.read(first, ExecMessage.class);
      if (start.argv() == null || start.argv().isEmpty()) {
        throw ApiException.badRequest("exec needs a command");
      }
      TerminalSize tty =
          start.tty() == null ? null : new TerminalSize(start.tty().get(1), start.tty().get(0));
      AgentClient agent = vms.agent(r.param("vm"), Duration.ofSeconds(30));
      try (ExecSession session =
          agent.exec(
              new ExecRequest(
                  start.argv(),
                  start.env() == null ? Map.of() : start.env(),
                  start.cwd(),
                  start.user(),
                  tty))) {
        Thread input = Thread.ofVirtual().start(() -> pumpInput(lines, session));
        Thread stdout =
            Thread.ofVirtual().start(() -> pumpOutput(session.stdout(), true, out, writeLock));
        Thread stderr =
            Thread.ofVirtual().start(() -> pumpOutput(session.stderr(), false, out, writeLock));
        ExitStatus status = session.waitFor();
        stdout.join();
        stderr.join();
        input.interrupt();
        write(
            out,
            writeLock,
            new ExecMessage(
                null, null, null, null, null, null, null, null, null, null, null, status.code()));
      }
    } catch (ApiException e) {
      write(out, writeLock, new ErrorBody(e.code().name(), e.getMessage()));
    } catch (Exception e) {
      write(out, writeLock, new ErrorBody("INTERNAL", "exec failed: " + e.getMessage()));
    }
  }

  private static void pumpInput(BufferedReader lines, ExecSession session) {
    try {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        ExecMessage m = Json.read(line, ExecMessage.class);
        if (m.stdin() != null) {
          session.stdin().write(Base64.getDecoder().decode(m.stdin()));
          session.stdin().flush();
        }
        if (m.resize() != null) {
          session.resize(new TerminalSize(m.resize().get(1), m.resize().get(0)));
        }
        if (m.signal() != null) {
          session.signal(m.signal());
        }
        if (Boolean.TRUE.equals(m.eof())) {
          session.stdin().close();
        }
      }
      session.stdin().close();
    } catch (Exception e) {
      // The client went away or the command ended; the exit status still goes out.
    }
  }

  private static void pumpOutput(
      InputStream from, boolean stdout, OutputStream out, Object writeLock) {
    byte[] buf = new byte[32768];
    try {
      for (int n = from.read(buf); n > 0; n = from.read(buf)) {
        String data = Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf, n));
        write(
            out,
            writeLock,
            stdout
                ? new ExecMessage(
                    null, null, null, null, null, null, null, null, null, data, null, null)
                : new ExecMessage(
                    null, null, null, null, null, null, null, null, null, null, data, null));
      }
    } catch (IOException e) {
      // The stream ended with the command or the client; the exit line reports the outcome.
    }
  }

  private static void write(OutputStream out, Object lock, Object message) {
    synchronized (lock) {
      try {
        out.write(Json.MAPPER.writeValueAsBytes(message));
        out.write('\n');
        out.flush();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
