package dev.banger.guest;

import dev.banger.guest.archive.ArchiveException;
import dev.banger.guest.archive.FileMode;
import dev.banger.guest.archive.TarPacker;
import dev.banger.guest.archive.TarUnpacker;
import dev.banger.guest.transport.TransportConnection;
import dev.banger.guest.wire.AgentMessages;
import dev.banger.guest.wire.OpenRequest;
import dev.banger.guest.wire.Protocol;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's handle on one guest's agent: readiness (HELLO), commands, file and directory copies in
 * both directions, connections to guest ports, and power requests, all multiplexed over one
 * transport connection. {@link #connect} waits, bounded, until the agent answers; after the VM
 * restarts or is restored from a snapshot, the connection ends and {@link #reconnect} opens a new
 * one. Thread-safe: any number of operations may run at once.
 */
public final class AgentClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentClient.class);
  private static final int CAPTURE_LIMIT = 16 << 20;
  private static final long FIRST_BACKOFF_MILLIS = 50;
  private static final long MAX_BACKOFF_MILLIS = 500;
  private static final Duration MIN_HANDSHAKE = Duration.ofSeconds(1);

  private final AgentTransport transport;
  private final AgentClientOptions options;
  private final ReentrantLock reconnectLock = new ReentrantLock();
  private volatile Session session;
  private volatile boolean closed;

  private record Session(Multiplexer mux, AgentInfo info) {}

  /** What a download expects to find at the guest path. */
  private enum Expect {
    ANY,
    FILE,
    DIRECTORY
  }

  @FunctionalInterface
  private interface Upload {
    void writeTo(OutputStream out) throws IOException;
  }

  private AgentClient(AgentTransport transport, AgentClientOptions options, Session session) {
    this.transport = transport;
    this.options = options;
    this.session = session;
  }

  /**
   * Connects with the default options; see {@link #connect(AgentTransport, AgentClientOptions)}.
   */
  public static AgentClient connect(AgentTransport transport)
      throws AgentException, InterruptedException {
    return connect(transport, AgentClientOptions.defaults());
  }

  /**
   * Connects to the agent and starts a session, retrying for up to {@code options.connectTimeout()}
   * while the transport is not there yet or the agent does not answer (the VM is still booting).
   * Returns once the agent has answered HELLO: the guest is ready.
   */
  public static AgentClient connect(AgentTransport transport, AgentClientOptions options)
      throws AgentException, InterruptedException {
    return new AgentClient(
        transport,
        options,
        establish(transport, options.connectTimeout(), options.requestTimeout()));
  }

  /** What the agent said when the current session started. */
  public AgentInfo hello() {
    return session.info();
  }

  /** Whether the current connection is still up. */
  public boolean isConnected() {
    return !closed && session.mux().isOpen();
  }

  /** The transport this client uses. */
  public AgentTransport transport() {
    return transport;
  }

  /**
   * Drops the current connection (if any is left) and connects again, waiting up to {@code timeout}
   * for the agent to answer: after a VM restart or a snapshot restore.
   */
  public void reconnect(Duration timeout) throws AgentException, InterruptedException {
    reconnectLock.lock();
    try {
      ensureNotClosed();
      session.mux().close();
      session = establish(transport, timeout, options.requestTimeout());
    } finally {
      reconnectLock.unlock();
    }
  }

  /** Sends PING and returns the round-trip time. */
  public Duration ping() throws AgentException, InterruptedException {
    return mux().ping(options.requestTimeout());
  }

  /** Starts a command; the session gives its streams, signals and exit status. */
  public ExecSession exec(ExecRequest request) throws AgentException, InterruptedException {
    Channel ch =
        mux()
            .open(
                request.toOpen(),
                "exec \"" + request.argv().getFirst() + "\"",
                options.requestTimeout());
    return new ExecSession(ch, ch.opened().getNow(null).pid(), request.terminal() != null);
  }

  /**
   * Runs a command to its end with {@code stdin} as input (null for none) and returns its status
   * and output, each captured up to 16 MiB. Kills it if it runs longer than {@code timeout}.
   */
  public ExecResult run(ExecRequest request, byte[] stdin, Duration timeout)
      throws AgentException, InterruptedException {
    try (ExecSession s = exec(request)) {
      Capture out = Capture.start(s.stdout());
      Capture err = Capture.start(s.stderr());
      Thread feeder = Thread.ofVirtual().start(() -> feed(s, stdin));
      ExitStatus status =
          s.waitFor(timeout)
              .orElseThrow(
                  () ->
                      new AgentException(
                          AgentException.Reason.TIMEOUT,
                          "exec \""
                              + request.argv().getFirst()
                              + "\" did not finish within "
                              + timeout
                              + "; it was killed"));
      feeder.join();
      return new ExecResult(status, out.bytes(), err.bytes(), out.truncated() || err.truncated());
    }
  }

  /** Copies a host file to {@code guestPath}, keeping its permission bits and time. */
  public void putFile(Path source, String guestPath) throws AgentException, InterruptedException {
    int mode;
    long mtime;
    try {
      mode = (Integer) Files.getAttribute(source, "unix:mode") & 07777;
      mtime = Files.getLastModifiedTime(source).toMillis();
    } catch (IOException e) {
      throw hostIo("reading \"" + source + "\" for upload to \"" + guestPath + "\"", e);
    }
    upload(
        new OpenRequest.PutFile(guestPath, mode, mtime, null),
        "put " + guestPath,
        out -> Files.copy(source, out));
  }

  /**
   * Copies the contents of a host directory into {@code guestDir} (created if missing), keeping
   * permission bits, times and symbolic links. Files are owned by root in the guest.
   */
  public void putDirectory(Path sourceDir, String guestDir)
      throws AgentException, InterruptedException {
    upload(
        new OpenRequest.PutTar(guestDir, null),
        "put directory " + guestDir,
        out -> TarPacker.pack(sourceDir, out));
  }

  /**
   * Copies {@code guestPath} to the host: a regular file to the file {@code target} (replaced
   * atomically), a directory's contents into the directory {@code target} (created if missing).
   * Permission bits (not setuid, setgid or sticky) and times are kept.
   */
  public GuestFile get(String guestPath, Path target) throws AgentException, InterruptedException {
    return download(guestPath, target, Expect.ANY);
  }

  /** Like {@link #get}, but fails without copying if {@code guestPath} is a directory. */
  public GuestFile getFile(String guestPath, Path target)
      throws AgentException, InterruptedException {
    return download(guestPath, target, Expect.FILE);
  }

  /** Like {@link #get}, but fails without copying if {@code guestPath} is not a directory. */
  public GuestFile getDirectory(String guestPath, Path target)
      throws AgentException, InterruptedException {
    return download(guestPath, target, Expect.DIRECTORY);
  }

  /** Connects to TCP {@code port} on the guest's loopback address. */
  public GuestConnection dial(int port) throws AgentException, InterruptedException {
    return dial("127.0.0.1", port);
  }

  /** Connects to TCP {@code port} at {@code address} (an IP address) inside the guest. */
  public GuestConnection dial(String address, int port)
      throws AgentException, InterruptedException {
    Channel ch =
        mux()
            .open(
                new OpenRequest.Dial(port, address),
                "dial " + address + ":" + port,
                options.requestTimeout());
    return new GuestConnection(ch);
  }

  /** Asks the guest to power off; returns once the agent has acknowledged. */
  public void shutdown() throws AgentException, InterruptedException {
    mux().power(Protocol.POWER_OFF, options.requestTimeout());
  }

  /** Asks the guest to reboot; returns once the agent has acknowledged. */
  public void reboot() throws AgentException, InterruptedException {
    mux().power(Protocol.POWER_REBOOT, options.requestTimeout());
  }

  /** Closes the connection; running operations fail. */
  @Override
  public void close() {
    closed = true;
    session.mux().close();
  }

  // ---- sessions ----

  private static Session establish(AgentTransport transport, Duration timeout, Duration request)
      throws AgentException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long backoff = FIRST_BACKOFF_MILLIS;
    int attempts = 0;
    IOException last = null;
    while (true) {
      attempts++;
      try {
        return attempt(transport, deadline, request);
      } catch (IOException e) {
        last = e;
        LOG.debug(
            "agent over {} not ready (attempt {}): {}",
            transport.describe(),
            attempts,
            e.getMessage());
      }
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AgentException(
            AgentException.Reason.UNREACHABLE,
            "the agent over "
                + transport.describe()
                + " did not answer within "
                + timeout
                + " ("
                + attempts
                + " attempts); last error: "
                + last.getMessage(),
            last);
      }
      Thread.sleep(Math.min(backoff, left));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    }
  }

  private static Session attempt(AgentTransport transport, long deadline, Duration request)
      throws IOException, InterruptedException {
    // A handshake gets at least a moment even on the last attempt, so that its own answer
    // (such as "nothing listens on that port") rather than a timeout is what gets reported.
    Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0));
    Duration floor = request.compareTo(MIN_HANDSHAKE) < 0 ? request : MIN_HANDSHAKE;
    TransportConnection conn =
        transport.open(
            left.compareTo(floor) < 0 ? floor : left.compareTo(request) < 0 ? left : request);
    Multiplexer mux = new Multiplexer(conn);
    try {
      AgentMessages.HelloReply r =
          mux.hello(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000)));
      AgentInfo info =
          new AgentInfo(
              r.agentVersion(),
              r.kernel(),
              Instant.ofEpochMilli(r.bootTimeMillis()),
              Duration.ofMillis(r.uptimeMillis()),
              r.hostname(),
              r.transport());
      LOG.info(
          "agent {} ready over {} ({}, up {} ms)",
          r.agentVersion(),
          transport.describe(),
          r.kernel(),
          r.uptimeMillis());
      return new Session(mux, info);
    } catch (IOException | InterruptedException | RuntimeException e) {
      mux.close();
      throw e;
    }
  }

  private Multiplexer mux() throws AgentException {
    ensureNotClosed();
    Multiplexer mux = session.mux();
    if (!mux.isOpen()) {
      throw new AgentException(
          AgentException.Reason.CONNECTION_LOST,
          "not connected to the agent over "
              + transport.describe()
              + "; call reconnect() once the VM runs again");
    }
    return mux;
  }

  private void ensureNotClosed() throws AgentException {
    if (closed) {
      throw new AgentException(
          AgentException.Reason.ABORTED,
          "the agent client for " + transport.describe() + " is closed");
    }
  }

  // ---- copies ----

  private void upload(OpenRequest request, String purpose, Upload body)
      throws AgentException, InterruptedException {
    Channel ch = mux().open(request, purpose, options.requestTimeout());
    try {
      try (OutputStream out = new BufferedOutputStream(ch.stdin(), Protocol.MAX_DATA)) {
        body.writeTo(out);
      }
      awaitSuccess(ch);
    } catch (AgentException e) {
      ch.abort(e.getMessage());
      throw e;
    } catch (IOException e) {
      ch.abort("the upload failed on the host");
      throw hostIo(purpose, e);
    }
  }

  private GuestFile download(String guestPath, Path target, Expect expect)
      throws AgentException, InterruptedException {
    String purpose = "get " + guestPath;
    Channel ch =
        mux().open(new OpenRequest.Get(guestPath, null), purpose, options.requestTimeout());
    AgentMessages.Opened o = ch.opened().getNow(null);
    GuestFile info =
        new GuestFile(o.fileType() == 2, o.size(), o.mode(), Instant.ofEpochMilli(o.mtimeMillis()));
    if (expect != Expect.ANY && (expect == Expect.DIRECTORY) != info.directory()) {
      ch.abort("wrong kind of file");
      throw new AgentException(
          AgentException.Reason.INVALID,
          "\""
              + guestPath
              + "\" is "
              + (info.directory() ? "a directory" : "not a directory")
              + " in the guest");
    }
    try {
      if (info.directory()) {
        TarUnpacker.unpack(ch.stdout(), target, options.maxDownloadBytes());
        awaitSuccess(ch);
      } else {
        receiveFile(ch, target, info);
      }
      return info;
    } catch (AgentException e) {
      ch.abort(e.getMessage());
      throw e;
    } catch (ArchiveException e) {
      ch.abort("unsafe or oversized archive");
      throw new AgentException(
          e.isLimit() ? AgentException.Reason.LIMIT : AgentException.Reason.PROTOCOL,
          purpose + " into \"" + target + "\": " + e.getMessage(),
          e);
    } catch (IOException e) {
      ch.abort("the download failed on the host");
      throw hostIo(purpose + " into \"" + target + "\"", e);
    }
  }

  /** Written beside the target and moved over it once the agent confirmed the whole file. */
  private void receiveFile(Channel ch, Path target, GuestFile info)
      throws IOException, InterruptedException {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".banger-get");
    try {
      try (InputStream in = ch.stdout();
          OutputStream out = Files.newOutputStream(temp)) {
        copyBounded(in, out, options.maxDownloadBytes(), ch.purpose());
      }
      awaitSuccess(ch);
      Files.setPosixFilePermissions(temp, FileMode.toPermissions(info.mode()));
      Files.setLastModifiedTime(temp, FileTime.from(info.modified()));
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void copyBounded(InputStream in, OutputStream out, long limit, String purpose)
      throws IOException {
    byte[] buf = new byte[65536];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      total += n;
      if (total > limit) {
        throw new AgentException(
            AgentException.Reason.LIMIT,
            purpose + ": the guest sent more than the limit of " + limit + " bytes");
      }
      out.write(buf, 0, n);
    }
  }

  private static void awaitSuccess(Channel ch) throws AgentException, InterruptedException {
    AgentMessages.Close c;
    try {
      c = ch.closed().get();
    } catch (ExecutionException e) {
      throw Multiplexer.unwrap(e, ch.purpose());
    }
    if (c.code() != 0) {
      throw ch.failureOf(c);
    }
  }

  private static AgentException hostIo(String what, IOException e) {
    if (e instanceof AgentException a) {
      return a;
    }
    return new AgentException(
        AgentException.Reason.IO, what + " failed on the host: " + e.getMessage(), e);
  }

  private static void feed(ExecSession s, byte[] stdin) {
    try (OutputStream in = s.stdin()) {
      if (stdin != null) {
        in.write(stdin);
      }
    } catch (IOException e) {
      // The command may exit without reading its input; that is its business.
      LOG.debug("stdin of pid {} not fully written: {}", s.pid(), e.getMessage());
    }
  }

  /** Drains one output stream on a virtual thread, keeping at most the capture limit. */
  private static final class Capture implements Runnable {
    private final InputStream in;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final Thread thread;
    private volatile boolean truncated;

    private Capture(InputStream in) {
      this.in = in;
      this.thread = Thread.ofVirtual().unstarted(this);
    }

    static Capture start(InputStream in) {
      Capture c = new Capture(in);
      c.thread.start();
      return c;
    }

    @Override
    public void run() {
      byte[] buf = new byte[65536];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          int room = CAPTURE_LIMIT - kept.size();
          kept.write(buf, 0, Math.min(n, room));
          truncated |= n > room;
        }
      } catch (IOException e) {
        LOG.debug("output capture ended: {}", e.getMessage());
      }
    }

    byte[] bytes() throws InterruptedException {
      thread.join();
      return kept.toByteArray();
    }

    boolean truncated() {
      return truncated;
    }
  }
}
