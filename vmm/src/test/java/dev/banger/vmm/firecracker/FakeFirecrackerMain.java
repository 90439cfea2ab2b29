package dev.banger.vmm.firecracker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.json.JsonMapper;

/**
 * The program that stands in for the {@code firecracker} (or {@code jailer}) binary in driver
 * tests: it takes Firecracker's (or the jailer's) arguments, refuses an existing API socket as
 * Firecracker does, and serves {@link FirecrackerApiFake} until killed. Under jailer arguments it
 * serves inside {@code <chroot-base>/<exec-file>/<id>/root}, resolves every path in requests there,
 * requires the files to belong to the jail's uid and gid, and copies the exec file in as the jailer
 * does.
 *
 * <p>Environment: {@code FAKE_FC_RECORD} names a file that receives one JSON line per request;
 * {@code FAKE_FC_CTRL_ALT_DEL=exit} makes it exit 0 after SendCtrlAltDel (a guest that shuts down),
 * anything else ignores it (a guest that does not).
 */
public final class FakeFirecrackerMain {
  private FakeFirecrackerMain() {}

  public static void main(String[] args) throws Exception {
    List<String> argv = Arrays.asList(args);
    boolean jailer = argv.contains("--exec-file");
    Path fsRoot = Path.of("/");
    Optional<String> owner = Optional.empty();
    List<String> firecrackerArgs = argv;
    if (jailer) {
      Path jail =
          Path.of(value(argv, "--chroot-base-dir"))
              .resolve(Path.of(value(argv, "--exec-file")).getFileName())
              .resolve(value(argv, "--id"));
      fsRoot = jail.resolve("root");
      Files.createDirectories(fsRoot);
      Path exec = Path.of(value(argv, "--exec-file"));
      Files.copy(exec, fsRoot.resolve(exec.getFileName()));
      owner = Optional.of(value(argv, "--uid") + ":" + value(argv, "--gid"));
      firecrackerArgs = argv.subList(argv.indexOf("--") + 1, argv.size());
    }
    String apiSock = value(firecrackerArgs, "--api-sock");
    Path socket = fsRoot.resolve(apiSock.startsWith("/") ? apiSock.substring(1) : apiSock);
    if (Files.exists(socket)) {
      System.err.println("Failed to open the API socket at " + socket + ": File exists");
      System.exit(1);
    }
    Optional<Path> record = Optional.ofNullable(System.getenv("FAKE_FC_RECORD")).map(Path::of);
    boolean exitOnCtrlAltDel = "exit".equals(System.getenv("FAKE_FC_CTRL_ALT_DEL"));
    FirecrackerApiFake.start(
        socket,
        FirecrackerApiContract.load(),
        fsRoot,
        owner,
        exchange -> record.ifPresent(file -> append(file, exchange)),
        () -> {
          if (exitOnCtrlAltDel) {
            // Exit from another thread so the answer to SendCtrlAltDel still goes out.
            Thread.ofPlatform().start(FakeFirecrackerMain::exitSoon);
          }
        },
        hidden());
    new CountDownLatch(1).await();
  }

  /** {@code FAKE_FC_HIDE}: comma-separated paths to answer as unknown. */
  private static Set<String> hidden() {
    String value = System.getenv().getOrDefault("FAKE_FC_HIDE", "");
    return value.isEmpty() ? Set.of() : Set.of(value.split(","));
  }

  private static void exitSoon() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().halt(0);
  }

  private static String value(List<String> args, String flag) {
    int at = args.indexOf(flag);
    if (at < 0 || at + 1 >= args.size()) {
      throw new IllegalArgumentException("missing " + flag + " in " + args);
    }
    return args.get(at + 1);
  }

  private static synchronized void append(Path file, FirecrackerApiFake.Exchange exchange) {
    try {
      String line = JsonMapper.builder().build().writeValueAsString(exchange) + "\n";
      Files.writeString(
          file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new IllegalStateException("could not record to " + file, e);
    }
  }
}
