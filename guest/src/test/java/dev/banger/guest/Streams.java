package dev.banger.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** Test helpers for streams and files. */
final class Streams {
  private Streams() {}

  /** Reads until {@code marker} has appeared in the text read so far; returns all of it. */
  static String readUntil(InputStream in, String marker) throws IOException {
    StringBuilder seen = new StringBuilder();
    byte[] buf = new byte[4096];
    while (seen.indexOf(marker) < 0) {
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("end of stream before \"" + marker + "\"; got: " + seen);
      }
      seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
    }
    return seen.toString();
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest())) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    }
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  /** A file of pseudo-random bytes (incompressible, reproducible). */
  static Path randomFile(Path file, long size, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] chunk = new byte[1 << 20];
    try (var out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(left, chunk.length));
      }
    }
    return file;
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new UncheckedIOException(new IOException("no SHA-256 in this JDK", e));
    }
  }
}
