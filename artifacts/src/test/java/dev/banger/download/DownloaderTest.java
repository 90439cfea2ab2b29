package dev.banger.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.download.DownloadException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloaderTest {

  private static final byte[] CONTENT = content(1 << 20);

  @TempDir Path temp;
  private final CountDownLatch release = new CountDownLatch(1);
  private final Downloader downloader =
      Downloader.builder()
          .maxAttempts(4)
          .backoff(Duration.ofMillis(10), Duration.ofMillis(50))
          .build();

  @AfterEach
  void releaseStalledHandlers() {
    release.countDown();
  }

  @Test
  void downloadsVerifiesAndMovesIntoPlace() throws Exception {
    try (TestHttpServer server =
        new TestHttpServer((exchange, n) -> TestHttpServer.serve(exchange, CONTENT, true))) {
      List<long[]> progress = new ArrayList<>();

      DownloadResult result =
          downloader.download(
              request(server.uri("/image.bundle"), CONTENT.length),
              (done, total) -> progress.add(new long[] {done, total}),
              Cancellation.create());

      assertThat(result).isEqualTo(new DownloadResult(target(), CONTENT.length, 1, false));
      assertThat(Files.readAllBytes(target())).isEqualTo(CONTENT);
      assertThat(progress.getLast()).containsExactly(CONTENT.length, CONTENT.length);
      assertThat(files()).containsExactly("image.bundle");
    }
  }

  @Test
  void retriesServerErrorsWithBackoffThenSucceeds() throws Exception {
    try (TestHttpServer server =
        new TestHttpServer(
            (exchange, n) -> {
              if (n <= 2) {
                TestHttpServer.status(exchange, 503);
              } else {
                TestHttpServer.serve(exchange, CONTENT, true);
              }
            })) {

      DownloadResult result =
          downloader.download(
              request(server.uri("/x"), -1), ProgressListener.NONE, Cancellation.create());

      assertThat(result.attempts()).isEqualTo(3);
      assertThat(server.requests()).isEqualTo(3);
      assertThat(Files.readAllBytes(target())).isEqualTo(CONTENT);
    }
  }

  @Test
  void resumesWithARangeRequestAfterTheConnectionIsCutMidway() throws Exception {
    try (TestHttpServer server =
        new TestHttpServer(
            (exchange, n) -> {
              if (n == 1) {
                TestHttpServer.cut(exchange, CONTENT, 300_000);
              } else {
                TestHttpServer.serve(exchange, CONTENT, true);
              }
            })) {

      DownloadResult result =
          downloader.download(
              request(server.uri("/x"), CONTENT.length),
              ProgressListener.NONE,
              Cancellation.create());

      assertThat(result.resumed()).isTrue();
      assertThat(result.attempts()).isEqualTo(2);
      assertThat(server.ranges().get(0)).isEmpty();
      assertThat(server.ranges().get(1)).matches("bytes=\\d+-");
      assertThat(Integer.parseInt(server.ranges().get(1).replaceAll("\\D", "")))
          .isPositive()
          .isLessThanOrEqualTo(300_000);
      assertThat(Files.readAllBytes(target())).isEqualTo(CONTENT);
    }
  }

  @Test
  void startsOverWhenTheServerIgnoresTheRange() throws Exception {
    try (TestHttpServer server =
        new TestHttpServer(
            (exchange, n) -> {
              if (n == 1) {
                TestHttpServer.cut(exchange, CONTENT, 400_000);
              } else {
                TestHttpServer.serve(exchange, CONTENT, false);
              }
            })) {

      DownloadResult result =
          downloader.download(
              request(server.uri("/x"), CONTENT.length),
              ProgressListener.NONE,
              Cancellation.create());

      assertThat(result.resumed()).isFalse();
      assertThat(Files.readAllBytes(target())).isEqualTo(CONTENT);
    }
  }

  @Test
  void rangeAnswerAtTheWrongOffsetMakesTheNextAttemptStartOver() throws Exception {
    try (TestHttpServer server =
        new TestHttpServer(
            (exchange, n) -> {
              switch (n) {
                case 1 -> TestHttpServer.cut(exchange, CONTENT, 300_000);
                case 2 -> {
                  exchange.getResponseHeaders().add("Content-Range", "bytes 7-9/" + CONTENT.length);
                  exchange.sendResponseHeaders(206, 3);
                  try (OutputStream out = exchange.getResponseBody()) {
                    out.write(CONTENT, 7, 3);
                  }
                }
                default -> TestHttpServer.serve(exchange, CONTENT, true);
              }
            })) {

      DownloadResult result =
          downloader.download(
              request(server.uri("/x"), CONTENT.length),
              ProgressListener.NONE,
              Cancellation.create());

      assertThat(result.attempts()).isEqualTo(3);
      assertThat(server.ranges().get(2)).isEmpty();
      assertThat(Files.readAllBytes(target())).isEqualTo(CONTENT);
    }
  }

  @Test
  void wrongBytesAreRefusedAndTheOldFileIsKept() throws Exception {
    Files.writeString(target(), "previous version");
    byte[] wrong = content(CONTENT.length);
    wrong[1234] ^= 1;
    try (TestHttpServer server =
        new TestHttpServer((exchange, n) -> TestHttpServer.serve(exchange, wrong, true))) {

      assertThatThrownBy(
              () ->
                  downloader.download(
                      request(server.uri("/x"), CONTENT.length),
                      ProgressListener.NONE,
                      Cancellation.create()))
          .isInstanceOfSatisfying(
              DownloadException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH))
          .hasMessageContaining(server.uri("/x").toString())
          .hasMessageContaining("has SHA-256 " + sha256(wrong))
          .hasMessageContaining("expected " + sha256(CONTENT));
      assertThat(target()).hasContent("previous version");
      assertThat(files()).containsExactly("image.bundle");
    }
  }

  @Test
  void clientErrorFailsAtOnceWithoutRetrying() throws Exception {
    try (TestHttpServer server =
        new TestHttpServer((exchange, n) -> TestHttpServer.status(exchange, 404))) {

      assertThatThrownBy(
              () ->
                  downloader.download(
                      request(server.uri("/missing"), -1),
                      ProgressListener.NONE,
                      Cancellation.create()))
          .isInstanceOfSatisfying(
              DownloadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.HTTP_STATUS))
          .hasMessageContaining("answered HTTP 404");
      assertThat(server.requests()).isEqualTo(1);
      assertThat(files()).isEmpty();
    }
  }

  @Test
  void unreachableServerFailsAfterEveryAttempt() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    URI uri = URI.create("http://127.0.0.1:" + closedPort + "/x");

    assertThatThrownBy(
            () ->
                downloader.download(request(uri, -1), ProgressListener.NONE, Cancellation.create()))
        .isInstanceOfSatisfying(
            DownloadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NETWORK))
        .hasMessageContaining("failed after 4 attempts")
        .hasMessageContaining("cannot reach the server");
    assertThat(files()).isEmpty();
  }

  @Test
  void serverSendingMoreThanExpectedIsCutOff() throws Exception {
    byte[] larger = content(CONTENT.length + 10);
    try (TestHttpServer server =
        new TestHttpServer((exchange, n) -> TestHttpServer.serve(exchange, larger, true))) {

      assertThatThrownBy(
              () ->
                  downloader.download(
                      request(server.uri("/x"), CONTENT.length),
                      ProgressListener.NONE,
                      Cancellation.create()))
          .isInstanceOfSatisfying(
              DownloadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SIZE_MISMATCH));
      assertThat(files()).isEmpty();
    }
  }

  @Test
  void cancelFlagAbortsATransferBlockedOnASilentServer() throws Exception {
    Cancellation cancellation = Cancellation.create();
    try (TestHttpServer server = new TestHttpServer((exchange, n) -> stall(exchange))) {
      CompletableFuture<Throwable> outcome = downloadInBackground(server, cancellation, () -> {});
      awaitPartFile();

      cancellation.cancel();

      assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
      assertThat(files()).isEmpty();
    }
  }

  @Test
  void interruptAbortsATransferBlockedOnASilentServer() throws Exception {
    AtomicReference<Thread> worker = new AtomicReference<>();
    try (TestHttpServer server = new TestHttpServer((exchange, n) -> stall(exchange))) {
      CompletableFuture<Throwable> outcome =
          downloadInBackground(
              server, Cancellation.create(), () -> worker.set(Thread.currentThread()));
      awaitPartFile();

      worker.get().interrupt();

      assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
      assertThat(files()).isEmpty();
    }
  }

  @Test
  void fullDiskWithAKnownSizeIsRefusedBeforeWriting() throws Exception {
    try (TinyTmpfs disk = new TinyTmpfs(temp.resolve("full"));
        TestHttpServer server =
            new TestHttpServer((exchange, n) -> TestHttpServer.serve(exchange, CONTENT, true))) {
      byte[] big = content(2 << 20);
      Path target = disk.path().resolve("big.bundle");

      assertThatThrownBy(
              () ->
                  downloader.download(
                      new DownloadRequest(server.uri("/x"), target, sha256(big), big.length),
                      ProgressListener.NONE,
                      Cancellation.create()))
          .isInstanceOfSatisfying(
              DownloadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_SPACE))
          .hasMessageContaining("No space left on device for '" + target + ".part'")
          .hasMessageContaining("needs " + big.length + " bytes");
      assertThat(disk.files()).isEmpty();
    }
  }

  @Test
  void fullDiskDuringAStreamOfUnknownSizeIsReportedAndCleanedUp() throws Exception {
    byte[] big = content(3 << 20);
    try (TinyTmpfs disk = new TinyTmpfs(temp.resolve("full"));
        TestHttpServer server =
            new TestHttpServer(
                (exchange, n) -> {
                  exchange.sendResponseHeaders(200, 0);
                  try (OutputStream out = exchange.getResponseBody()) {
                    out.write(big);
                  }
                })) {
      Path target = disk.path().resolve("big.bundle");

      assertThatThrownBy(
              () ->
                  downloader.download(
                      new DownloadRequest(server.uri("/x"), target, sha256(big), -1),
                      ProgressListener.NONE,
                      Cancellation.create()))
          .isInstanceOfSatisfying(
              DownloadException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_SPACE))
          .hasMessageContaining("No space left on device for '" + target + ".part'")
          .hasMessageContaining("needs at least")
          .hasRootCauseMessage("No space left on device");
      assertThat(disk.files()).isEmpty();
      assertThat(server.requests()).isEqualTo(1);
    }
  }

  private CompletableFuture<Throwable> downloadInBackground(
      TestHttpServer server, Cancellation cancellation, Runnable onStart) {
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread.ofPlatform()
        .start(
            () -> {
              onStart.run();
              try {
                downloader.download(
                    request(server.uri("/x"), CONTENT.length), ProgressListener.NONE, cancellation);
                outcome.complete(null);
              } catch (Throwable e) {
                outcome.complete(e);
              }
            });
    return outcome;
  }

  /** Sends half the content, then holds the connection open without a byte more. */
  private void stall(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(200, CONTENT.length);
    OutputStream out = exchange.getResponseBody();
    out.write(CONTENT, 0, CONTENT.length / 2);
    out.flush();
    try {
      release.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitPartFile() throws Exception {
    Path part = temp.resolve("image.bundle.part");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(Files.exists(part) && Files.size(part) > 0)) {
      assertThat(System.nanoTime()).as("the transfer started").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private DownloadRequest request(URI uri, long size) {
    return new DownloadRequest(uri, target(), sha256(CONTENT), size);
  }

  private Path target() {
    return temp.resolve("image.bundle");
  }

  private List<String> files() throws IOException {
    try (Stream<Path> list = Files.list(temp)) {
      return list.map(p -> p.getFileName().toString()).filter(n -> !n.equals("full")).toList();
    }
  }

  private static byte[] content(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A 1 MiB tmpfs mounted for one test and unmounted after it. */
  private static final class TinyTmpfs implements AutoCloseable {
    private final Path path;

    TinyTmpfs(Path path) throws Exception {
      assumeTrue(
          "root".equals(System.getProperty("user.name")),
          "needs root to mount a 1 MiB tmpfs for the full-disk case");
      this.path = Files.createDirectories(path);
      run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", path.toString());
    }

    Path path() {
      return path;
    }

    List<String> files() throws IOException {
      try (Stream<Path> list = Files.list(path)) {
        return list.map(p -> p.getFileName().toString()).toList();
      }
    }

    @Override
    public void close() throws Exception {
      run("umount", path.toString());
    }

    private static void run(String... command) throws Exception {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor()).as("%s: %s", String.join(" ", command), output).isZero();
    }
  }
}
