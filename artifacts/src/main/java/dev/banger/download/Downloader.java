package dev.banger.download;

import dev.banger.download.DownloadException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one file over HTTP(S) with {@link HttpClient}: the content goes to a {@code .part}
 * sibling of the target, its SHA-256 (and size, when known) is checked, and only then is it renamed
 * to the target. The target path therefore never holds partial or unverified content.
 *
 * <p>Connection failures, cut transfers and 5xx/408/429 answers are retried with exponential
 * backoff; a retry continues where the last one stopped with a {@code Range} request (guarded by
 * {@code If-Range}) when the server answers 206, and starts over otherwise. Other HTTP errors, a
 * checksum or size mismatch and a full disk fail at once, the partial file removed.
 *
 * <p>Cancellation: {@link Cancellation#cancel()} or an interrupt of the downloading thread aborts
 * the transfer, even one blocked on a silent server, with {@link CancellationException}.
 *
 * <p>Limitations: a server that stalls without closing the connection is waited for until
 * cancelled; HttpClient has no read timeout for a response body.
 *
 * <p>Thread-safe: concurrent downloads to different targets may share one instance.
 */
public final class Downloader {

  private static final Logger LOG = LoggerFactory.getLogger(Downloader.class);
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final String NO_SPACE = "No space left on device";
  private static final int BUFFER_SIZE = 1 << 16;

  private final HttpClient client;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration responseTimeout;

  private Downloader(Builder builder) {
    this.client = builder.client;
    this.maxAttempts = builder.maxAttempts;
    this.initialBackoff = builder.initialBackoff;
    this.maxBackoff = builder.maxBackoff;
    this.responseTimeout = builder.responseTimeout;
  }

  /** Returns a builder with defaults: 5 attempts, backoff 500 ms doubling up to 10 s. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Downloads {@code request.uri()} to {@code request.target()}.
   *
   * @param progress receives bytes written so far and the total (-1 when unknown)
   * @throws DownloadException if the download cannot complete; {@link DownloadException#reason()}
   *     says why
   * @throws CancellationException if cancelled; no file is left behind
   */
  public DownloadResult download(
      DownloadRequest request, ProgressListener progress, Cancellation cancellation)
      throws DownloadException {
    Path part = request.partFile();
    Transfer transfer = new Transfer(request, part, progress, cancellation);
    Thread worker = Thread.currentThread();
    boolean completed = false;
    try (Cancellation.Registration ignored = cancellation.onCancel(worker::interrupt)) {
      prepare(request, part);
      transfer.run();
      verify(transfer);
      moveIntoPlace(request, part);
      completed = true;
      return new DownloadResult(
          request.target(), transfer.written, transfer.attempts, transfer.resumed);
    } finally {
      if (!completed) {
        deleteQuietly(part);
      }
      if (cancellation.cancelRequested()) {
        // The interrupt was ours, sent to unblock the transfer; the caller did not ask for it.
        Thread.interrupted();
      }
    }
  }

  private static void prepare(DownloadRequest request, Path part) throws DownloadException {
    try {
      Files.createDirectories(request.target().toAbsolutePath().getParent());
      Files.deleteIfExists(part);
    } catch (IOException e) {
      throw new DownloadException(
          Reason.LOCAL_IO,
          "Cannot prepare '" + part + "' to download " + request.uri() + ": " + e.getMessage(),
          e);
    }
  }

  private static void verify(Transfer transfer) throws DownloadException {
    DownloadRequest request = transfer.request;
    if (request.expectedSize() >= 0 && transfer.written != request.expectedSize()) {
      throw new DownloadException(
          Reason.SIZE_MISMATCH,
          "Download of "
              + request.uri()
              + " to '"
              + request.target()
              + "' has "
              + transfer.written
              + " bytes, expected "
              + request.expectedSize());
    }
    String actual = HexFormat.of().formatHex(transfer.digest.digest());
    if (!actual.equals(request.sha256())) {
      throw new DownloadException(
          Reason.CHECKSUM_MISMATCH,
          "Download of "
              + request.uri()
              + " to '"
              + request.target()
              + "' has SHA-256 "
              + actual
              + ", expected "
              + request.sha256()
              + "; the file was discarded");
    }
  }

  private static void moveIntoPlace(DownloadRequest request, Path part) throws DownloadException {
    try {
      try (RandomAccessFile file = new RandomAccessFile(part.toFile(), "rw")) {
        file.getFD().sync();
      }
      Files.move(
          part,
          request.target(),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new DownloadException(
          Reason.LOCAL_IO,
          "Cannot move verified download '"
              + part
              + "' to '"
              + request.target()
              + "': "
              + e.getMessage(),
          e);
    }
  }

  private static void deleteQuietly(Path part) {
    try {
      Files.deleteIfExists(part);
    } catch (IOException e) {
      LOG.warn("Could not delete the partial download '{}'", part, e);
    }
  }

  /** A failure worth another attempt: a dropped connection or a temporary server error. */
  private static final class RetryableFailure extends Exception {
    private static final long serialVersionUID = 1L;

    RetryableFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The state of one download across its attempts; confined to the downloading thread. */
  private final class Transfer {
    private final DownloadRequest request;
    private final Path part;
    private final ProgressListener progress;
    private final Cancellation cancellation;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private MessageDigest digest = newDigest();
    private Optional<String> validator = Optional.empty();
    private long written;
    private int attempts;
    private boolean resumed;

    Transfer(
        DownloadRequest request, Path part, ProgressListener progress, Cancellation cancellation) {
      this.request = request;
      this.part = part;
      this.progress = progress;
      this.cancellation = cancellation;
    }

    void run() throws DownloadException {
      while (true) {
        attempts++;
        cancellation.throwIfCancelled("Download of " + request.uri());
        try {
          attempt();
          return;
        } catch (RetryableFailure failure) {
          cancellation.throwIfCancelled("Download of " + request.uri());
          if (attempts >= maxAttempts) {
            throw new DownloadException(
                Reason.NETWORK,
                "Download of %s to '%s' failed after %d attempts: %s"
                    .formatted(request.uri(), request.target(), attempts, failure.getMessage()),
                failure.getCause() == null ? failure : failure.getCause());
          }
          Duration pause = backoff(attempts);
          LOG.info(
              "Download of {} failed ({}); retry {} of {} in {} ms",
              request.uri(),
              failure.getMessage(),
              attempts,
              maxAttempts - 1,
              pause.toMillis());
          sleep(pause);
        }
      }
    }

    private void attempt() throws DownloadException, RetryableFailure {
      HttpResponse<InputStream> response = send();
      try (InputStream body = response.body()) {
        long length = acceptResponse(response);
        checkSpace(length);
        copy(body, length);
      } catch (IOException e) {
        if (e instanceof InterruptedIOException || e.getCause() instanceof InterruptedException) {
          throw new CancellationException("Download of " + request.uri() + " was cancelled");
        }
        throw new RetryableFailure("the connection failed: " + describe(e), e);
      }
    }

    private HttpResponse<InputStream> send() throws RetryableFailure {
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(request.uri()).GET().timeout(responseTimeout);
      if (written > 0) {
        builder.header("Range", "bytes=" + written + "-");
        validator.ifPresent(value -> builder.header("If-Range", value));
      }
      try {
        return client.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        throw new RetryableFailure("cannot reach the server: " + describe(e), e);
      } catch (InterruptedException e) {
        throw new CancellationException("Download of " + request.uri() + " was cancelled");
      }
    }

    /** Decides from the status what the body holds; returns the bytes it should carry. */
    private long acceptResponse(HttpResponse<InputStream> response)
        throws DownloadException, RetryableFailure {
      int status = response.statusCode();
      long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (status == 206) {
        if (written > 0 && rangeStart(response) == written) {
          resumed = true;
          LOG.debug("Resuming {} at byte {}", request.uri(), written);
          return length;
        }
        // A range we did not ask for: the next attempt asks for the whole file.
        restart(Optional.empty());
        throw new RetryableFailure("the server answered a range that was not asked for", null);
      }
      if (status == 200) {
        restart(validatorOf(response));
        return length;
      }
      if (status >= 500 || status == 408 || status == 429 || status == 416) {
        throw new RetryableFailure("the server answered HTTP " + status, null);
      }
      throw new DownloadException(
          Reason.HTTP_STATUS,
          "Download of " + request.uri() + " failed: the server answered HTTP " + status);
    }

    private static Optional<String> validatorOf(HttpResponse<InputStream> response) {
      return response
          .headers()
          .firstValue("ETag")
          .filter(tag -> !tag.startsWith("W/"))
          .or(() -> response.headers().firstValue("Last-Modified"));
    }

    private void restart(Optional<String> newValidator) throws DownloadException {
      if (written > 0) {
        LOG.debug("Starting {} over from its first byte", request.uri());
      }
      written = 0;
      digest = newDigest();
      validator = newValidator;
      try (RandomAccessFile file = openPart()) {
        file.setLength(0);
      } catch (IOException e) {
        throw new DownloadException(
            Reason.LOCAL_IO, "Cannot truncate '" + part + "' to start over: " + e.getMessage(), e);
      }
    }

    /**
     * Opens the part file with java.io rather than a FileChannel: an interrupt (our cancel signal)
     * would close a channel mid-write and turn a cancel into an I/O error.
     */
    private RandomAccessFile openPart() throws DownloadException {
      try {
        return new RandomAccessFile(part.toFile(), "rw");
      } catch (IOException e) {
        throw new DownloadException(
            Reason.LOCAL_IO,
            "Cannot open '" + part + "' to download " + request.uri() + ": " + e.getMessage(),
            e);
      }
    }

    private long rangeStart(HttpResponse<InputStream> response) {
      Matcher matcher =
          CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
      return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
    }

    private void checkSpace(long length) throws DownloadException {
      long remaining = request.expectedSize() >= 0 ? request.expectedSize() - written : length;
      if (remaining <= 0) {
        return;
      }
      try {
        long usable = Files.getFileStore(part.toAbsolutePath().getParent()).getUsableSpace();
        if (usable < remaining) {
          throw noSpace(remaining, usable, null);
        }
      } catch (IOException e) {
        LOG.debug("Cannot tell the free space for '{}'; writing will tell", part, e);
      }
    }

    private void copy(InputStream body, long length)
        throws DownloadException, RetryableFailure, IOException {
      long expectedTotal = request.expectedSize() >= 0 ? request.expectedSize() : -1;
      long total = expectedTotal >= 0 ? expectedTotal : length >= 0 ? written + length : -1;
      long start = written;
      try (RandomAccessFile out = openPart()) {
        out.seek(written);
        int n;
        while ((n = body.read(buffer)) > 0) {
          if (expectedTotal >= 0 && written + n > expectedTotal) {
            throw new DownloadException(
                Reason.SIZE_MISMATCH,
                "Download of "
                    + request.uri()
                    + " is larger than the expected "
                    + expectedTotal
                    + " bytes; the file was discarded");
          }
          write(out, n, total);
          digest.update(buffer, 0, n);
          written += n;
          progress.progress(written, total);
          cancellation.throwIfCancelled("Download of " + request.uri());
        }
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new CancellationException("Download of " + request.uri() + " was cancelled");
      }
      if (length >= 0 && written - start < length) {
        throw new RetryableFailure(
            "the connection closed after " + (written - start) + " of " + length + " bytes", null);
      }
    }

    private void write(RandomAccessFile out, int length, long total) throws DownloadException {
      try {
        out.write(buffer, 0, length);
      } catch (IOException e) {
        if (String.valueOf(e.getMessage()).contains(NO_SPACE)) {
          long needed = total >= 0 ? total : written + length;
          throw noSpace(needed - written, -1, e);
        }
        throw new DownloadException(
            Reason.LOCAL_IO,
            "Cannot write '"
                + part
                + "' while downloading "
                + request.uri()
                + ": "
                + e.getMessage(),
            e);
      }
    }

    private DownloadException noSpace(long stillNeeded, long usable, IOException cause) {
      String size =
          request.expectedSize() >= 0
              ? request.expectedSize() + " bytes"
              : "at least " + (written + stillNeeded) + " bytes";
      String message =
          "No space left on device for '"
              + part
              + "' while downloading "
              + request.uri()
              + ": the file needs "
              + size
              + " ("
              + stillNeeded
              + " more)"
              + (usable >= 0 ? ", only " + usable + " bytes are free" : "")
              + "; the partial file was removed";
      return cause == null
          ? new DownloadException(Reason.NO_SPACE, message)
          : new DownloadException(Reason.NO_SPACE, message, cause);
    }

    private void sleep(Duration pause) {
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        throw new CancellationException("Download of " + request.uri() + " was cancelled");
      }
    }

    private String describe(IOException e) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
  }

  private Duration backoff(int attempt) {
    Duration pause = initialBackoff.multipliedBy(1L << Math.min(attempt - 1, 20));
    return pause.compareTo(maxBackoff) > 0 ? maxBackoff : pause;
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Configures a {@link Downloader}. Not thread-safe; build once, share the result. */
  public static final class Builder {
    private HttpClient client;
    private int maxAttempts = 5;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(10);
    private Duration responseTimeout = Duration.ofSeconds(60);

    private Builder() {}

    /** The client to use; by default one with a 30 s connect timeout that follows redirects. */
    public Builder httpClient(HttpClient value) {
      this.client = value;
      return this;
    }

    /** How many requests to try in total before giving up (at least 1). */
    public Builder maxAttempts(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, got " + value);
      }
      this.maxAttempts = value;
      return this;
    }

    /** The pause before the first retry; each further retry doubles it up to {@code max}. */
    public Builder backoff(Duration initial, Duration max) {
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** How long to wait for the response headers of each request. */
    public Builder responseTimeout(Duration value) {
      this.responseTimeout = value;
      return this;
    }

    /** Creates the downloader. */
    public Downloader build() {
      if (client == null) {
        client =
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
      }
      return new Downloader(this);
    }
  }
}
