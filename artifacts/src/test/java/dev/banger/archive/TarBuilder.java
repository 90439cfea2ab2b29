package dev.banger.archive;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Builds tar archives, hostile ones included, with commons-compress for tests. */
public final class TarBuilder {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  public TarBuilder() {
    tar = new TarArchiveOutputStream(bytes);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  public TarBuilder file(String name, String content, int mode, Instant mtime) throws IOException {
    return file(name, content.getBytes(StandardCharsets.UTF_8), mode, mtime);
  }

  public TarBuilder file(String name, byte[] content, int mode, Instant mtime) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name, true);
    entry.setSize(content.length);
    entry.setMode(0100000 | mode);
    entry.setLastModifiedTime(FileTime.from(mtime));
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
    return this;
  }

  public TarBuilder file(String name, String content) throws IOException {
    return file(name, content, 0644, Instant.parse("2024-01-02T03:04:05Z"));
  }

  public TarBuilder directory(String name, int mode, Instant mtime) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
    entry.setMode(040000 | mode);
    entry.setLastModifiedTime(FileTime.from(mtime));
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
    return this;
  }

  public TarBuilder symlink(String name, String target) throws IOException {
    return link(name, target, TarArchiveEntry.LF_SYMLINK);
  }

  public TarBuilder hardLink(String name, String target) throws IOException {
    return link(name, target, TarArchiveEntry.LF_LINK);
  }

  public TarBuilder special(String name, byte type) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
    entry.setDevMajor(1);
    entry.setDevMinor(3);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
    return this;
  }

  private TarBuilder link(String name, String target, byte type) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
    entry.setLinkName(target);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
    return this;
  }

  public byte[] build() throws IOException {
    tar.finish();
    tar.close();
    return bytes.toByteArray();
  }

  public Path write(Path file, TarCompression compression) throws IOException {
    byte[] plain = build();
    try (OutputStream out = compressor(Files.newOutputStream(file), compression)) {
      out.write(plain);
    }
    return file;
  }

  static OutputStream compressor(OutputStream out, TarCompression compression) throws IOException {
    return switch (compression) {
      case NONE -> out;
      case GZIP -> new GZIPOutputStream(out);
      case ZSTD -> new ZstdOutputStream(out);
      case XZ -> new XZOutputStream(out, new LZMA2Options());
    };
  }
}
