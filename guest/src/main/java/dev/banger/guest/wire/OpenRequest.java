package dev.banger.guest.wire;

import java.util.List;
import java.util.Objects;

/**
 * The payload of an OPEN frame: what a new channel is for. Fields are written in the order the
 * protocol document lists them. Immutable.
 */
public sealed interface OpenRequest {
  /** KIND of a command. */
  int KIND_EXEC = 1;

  /** KIND of a single-file upload. */
  int KIND_PUT_FILE = 2;

  /** KIND of a download of a file or (as tar) a directory. */
  int KIND_GET = 3;

  /** KIND of a directory upload as tar. */
  int KIND_PUT_TAR = 4;

  /** KIND of a TCP connection to a guest port. */
  int KIND_DIAL = 5;

  /** Encodes the payload. */
  byte[] encode();

  /**
   * Run a command.
   *
   * @param argv program and arguments, at least one
   * @param env NAME=VALUE entries added to the default environment
   * @param cwd working directory, or null for the user's home
   * @param user user to run as ("name", "uid", "name:group"), or null for the agent's user
   * @param rows terminal rows, with {@code cols}; both 0 for no terminal
   * @param cols terminal columns
   */
  record Exec(List<String> argv, List<String> env, String cwd, String user, int rows, int cols)
      implements OpenRequest {
    /** Validates and copies the lists. */
    public Exec {
      argv = List.copyOf(argv);
      env = List.copyOf(env);
      if (argv.isEmpty() || argv.getFirst().isEmpty()) {
        throw new IllegalArgumentException("a command needs a program name");
      }
      for (String e : env) {
        if (e.indexOf('=') <= 0) {
          throw new IllegalArgumentException("environment entry is not NAME=VALUE: " + e);
        }
      }
    }

    /** Whether the command gets a terminal. */
    public boolean terminal() {
      return rows > 0 || cols > 0;
    }

    @Override
    public byte[] encode() {
      Fields.Writer w = new Fields.Writer().u8(FieldTag.KIND, KIND_EXEC);
      argv.forEach(a -> w.text(FieldTag.ARG, a));
      env.forEach(e -> w.text(FieldTag.ENV, e));
      if (cwd != null) {
        w.text(FieldTag.CWD, cwd);
      }
      if (user != null) {
        w.text(FieldTag.USER, user);
      }
      if (terminal()) {
        w.bytes(
            FieldTag.TTY,
            new byte[] {(byte) (rows >>> 8), (byte) rows, (byte) (cols >>> 8), (byte) cols});
      }
      return w.toBytes();
    }
  }

  /**
   * Upload one file, written beside its target and renamed over it.
   *
   * @param path absolute guest path
   * @param mode permission bits, or -1 for 0644
   * @param mtimeMillis modification time in ms since the epoch, or null to leave it as written
   * @param user user to write as, or null
   */
  record PutFile(String path, int mode, Long mtimeMillis, String user) implements OpenRequest {
    /** Checks the path. */
    public PutFile {
      requireAbsolute(path);
    }

    @Override
    public byte[] encode() {
      Fields.Writer w = new Fields.Writer().u8(FieldTag.KIND, KIND_PUT_FILE);
      w.text(FieldTag.PATH, path);
      if (mode >= 0) {
        w.u32(FieldTag.MODE, mode);
      }
      if (mtimeMillis != null) {
        w.u64(FieldTag.MTIME, mtimeMillis);
      }
      if (user != null) {
        w.text(FieldTag.USER, user);
      }
      return w.toBytes();
    }
  }

  /**
   * Download a regular file, or a directory as a tar stream.
   *
   * @param path absolute guest path
   * @param user user to read as, or null
   */
  record Get(String path, String user) implements OpenRequest {
    /** Checks the path. */
    public Get {
      requireAbsolute(path);
    }

    @Override
    public byte[] encode() {
      Fields.Writer w = new Fields.Writer().u8(FieldTag.KIND, KIND_GET).text(FieldTag.PATH, path);
      if (user != null) {
        w.text(FieldTag.USER, user);
      }
      return w.toBytes();
    }
  }

  /**
   * Upload a tar stream, extracted into a guest directory that is created if missing.
   *
   * @param path absolute guest directory
   * @param user user to write as, or null
   */
  record PutTar(String path, String user) implements OpenRequest {
    /** Checks the path. */
    public PutTar {
      requireAbsolute(path);
    }

    @Override
    public byte[] encode() {
      Fields.Writer w =
          new Fields.Writer().u8(FieldTag.KIND, KIND_PUT_TAR).text(FieldTag.PATH, path);
      if (user != null) {
        w.text(FieldTag.USER, user);
      }
      return w.toBytes();
    }
  }

  /**
   * Connect to a TCP port inside the guest.
   *
   * @param port the port, 1 to 65535
   * @param host an IP address in the guest, or null for 127.0.0.1
   */
  record Dial(int port, String host) implements OpenRequest {
    /** Checks the port. */
    public Dial {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
    }

    @Override
    public byte[] encode() {
      Fields.Writer w = new Fields.Writer().u8(FieldTag.KIND, KIND_DIAL).u16(FieldTag.PORT, port);
      if (host != null) {
        w.text(FieldTag.HOST, host);
      }
      return w.toBytes();
    }
  }

  private static void requireAbsolute(String path) {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("guest path must be absolute: " + path);
    }
  }
}
