package dev.banger.kernel;

import com.github.luben.zstd.Zstd;
import dev.banger.download.Cancellation;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux x86 bzImage read into memory: its setup header and its compressed payload, the ELF
 * vmlinux.
 *
 * <p>Layout (Linux boot protocol 2.08 and later): {@code setup_sects} at 0x1F1 (0 means 4), the
 * boot flag 0xAA55 at 0x1FE, the magic "HdrS" at 0x202, the protocol version at 0x206, a pointer to
 * the version string (minus 0x200) at 0x20E; the protected-mode code starts at {@code (setup_sects
 * + 1) * 512} and the payload lies at {@code payload_offset} (0x248) from there, {@code
 * payload_length} (0x24C) bytes long.
 *
 * <p>Immutable after {@link #read(Path)}; thread-safe.
 */
public final class BzImage {

  private static final Logger LOG = LoggerFactory.getLogger(BzImage.class);

  /** The offset of the "HdrS" magic. */
  public static final int HEADER_MAGIC_OFFSET = 0x202;

  private static final int SETUP_SECTS = 0x1F1;
  private static final int BOOT_FLAG = 0x1FE;
  private static final int VERSION = 0x206;
  private static final int KERNEL_VERSION = 0x20E;
  private static final int PAYLOAD_OFFSET = 0x248;
  private static final int PAYLOAD_LENGTH = 0x24C;
  private static final int MIN_PROTOCOL = 0x0208;
  private static final long MAX_SIZE = 256L << 20;

  private final Path path;
  private final byte[] image;
  private final int setupSectors;
  private final int protocolVersion;
  private final int payloadStart;
  private final int payloadLength;
  private final String versionString;
  private final PayloadCompression compression;

  private BzImage(Path path, byte[] image) throws KernelException {
    this.path = path;
    this.image = image;
    ByteBuffer header = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    checkMagic();
    int sects = image[SETUP_SECTS] & 0xff;
    this.setupSectors = sects == 0 ? 4 : sects;
    this.protocolVersion = header.getShort(VERSION) & 0xffff;
    if (protocolVersion < MIN_PROTOCOL) {
      throw invalid(
          String.format(
              "boot protocol %d.%02d is older than 2.08 and does not describe its payload",
              protocolVersion >> 8, protocolVersion & 0xff));
    }
    long protectedMode = (setupSectors + 1L) * 512;
    long offset = Integer.toUnsignedLong(header.getInt(PAYLOAD_OFFSET));
    long length = Integer.toUnsignedLong(header.getInt(PAYLOAD_LENGTH));
    if (length == 0 || protectedMode + offset + length > image.length) {
      throw invalid(
          "payload of "
              + length
              + " bytes at "
              + (protectedMode + offset)
              + " does not fit in the file's "
              + image.length
              + " bytes (truncated or corrupt)");
    }
    this.payloadStart = (int) (protectedMode + offset);
    this.payloadLength = (int) length;
    this.versionString = readVersionString(header);
    this.compression = PayloadCompression.detect(PayloadCompression.head(image, payloadStart));
  }

  /** Whether {@code head}, the start of a file, carries the bzImage setup header magic. */
  public static boolean hasSetupHeader(byte[] head) {
    return head.length >= HEADER_MAGIC_OFFSET + 4
        && new String(head, HEADER_MAGIC_OFFSET, 4, StandardCharsets.US_ASCII).equals("HdrS");
  }

  /**
   * Reads and checks the bzImage at {@code path}.
   *
   * @throws KernelException if the file cannot be read or is not a bzImage with a payload
   */
  public static BzImage read(Path path) throws KernelException {
    try {
      long size = Files.size(path);
      if (size > MAX_SIZE) {
        throw new KernelException(
            "Kernel '"
                + path
                + "' is "
                + size
                + " bytes; a bzImage above "
                + MAX_SIZE
                + " bytes is not plausible");
      }
      return new BzImage(path, Files.readAllBytes(path));
    } catch (IOException e) {
      throw new KernelException("Cannot read bzImage '" + path + "': " + e.getMessage(), e);
    }
  }

  /** The number of 512-byte setup sectors before the protected-mode code. */
  public int setupSectors() {
    return setupSectors;
  }

  /** The boot protocol version, major in the high byte ({@code 0x020f} is 2.15). */
  public int protocolVersion() {
    return protocolVersion;
  }

  /**
   * The version string embedded in the image ("6.1.0-57-cloud-amd64 (debian-kernel@...) #1 SMP
   * ..."), or the empty string if it has none.
   */
  public String versionString() {
    return versionString;
  }

  /** The kernel release, the first word of {@link #versionString()} ("6.1.0-57-cloud-amd64"). */
  public String release() {
    int space = versionString.indexOf(' ');
    return space < 0 ? versionString : versionString.substring(0, space);
  }

  /** The compression of the payload. */
  public PayloadCompression payloadCompression() {
    return compression;
  }

  /** The payload's offset from the start of the file. */
  public long payloadFileOffset() {
    return payloadStart;
  }

  /** The payload's length in bytes, as the setup header gives it. */
  public long payloadLength() {
    return payloadLength;
  }

  /**
   * Decompresses the payload into {@code output} (written to a temporary sibling, then moved into
   * place) and checks that the result is an x86-64 ELF executable.
   *
   * @return what the ELF header and notes say about the extracted vmlinux
   * @throws KernelException if the payload cannot be decoded or is not an x86-64 ELF
   * @throws CancellationException if {@code cancellation} fires while decoding
   */
  public VmlinuxInfo extractVmlinux(Path output, Cancellation cancellation) throws KernelException {
    if (!compression.decodable()) {
      throw invalid("its payload is " + compression + " compressed, which banger does not decode");
    }
    if (compression == PayloadCompression.NONE) {
      throw invalid("its payload has no recognised compression magic (corrupt payload?)");
    }
    Path temporary = output.resolveSibling(output.getFileName() + ".part");
    try {
      decodePayload(temporary, cancellation);
      VmlinuxInfo info = VmlinuxInfo.inspect(temporary);
      Files.move(temporary, output, StandardCopyOption.REPLACE_EXISTING);
      return info;
    } catch (IOException e) {
      throw new KernelException(
          "Cannot decompress the "
              + compression
              + " payload of bzImage '"
              + path
              + "' into '"
              + output
              + "': "
              + e.getMessage(),
          e);
    } finally {
      deleteQuietly(temporary);
    }
  }

  private void decodePayload(Path temporary, Cancellation cancellation) throws IOException {
    int length = compressedLength();
    try (InputStream raw = new ByteArrayInputStream(image, payloadStart, length);
        InputStream decoded = compression.decoder(raw, length);
        OutputStream out = Files.newOutputStream(temporary)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = decoded.read(buffer)) > 0) {
        out.write(buffer, 0, n);
        cancellation.throwIfCancelled("Extracting vmlinux from '" + path + "'");
      }
    }
  }

  /** The bytes to hand the decoder: zstd must be cut to its frame, the rest take the payload. */
  private int compressedLength() throws IOException {
    if (compression != PayloadCompression.ZSTD) {
      return payloadLength;
    }
    byte[] payload = new byte[payloadLength];
    System.arraycopy(image, payloadStart, payload, 0, payloadLength);
    long frame = Zstd.findFrameCompressedSize(payload);
    if (frame <= 0 || frame > payloadLength) {
      throw new IOException("the zstd payload has no complete frame");
    }
    return (int) frame;
  }

  private void checkMagic() throws KernelException {
    if (image.length < PAYLOAD_LENGTH + 4 || !hasSetupHeader(image)) {
      throw invalid("it has no \"HdrS\" setup header magic at 0x202");
    }
    int bootFlag = (image[BOOT_FLAG] & 0xff) | (image[BOOT_FLAG + 1] & 0xff) << 8;
    if (bootFlag != 0xAA55) {
      throw invalid(String.format("its boot flag at 0x1FE is 0x%04X, not 0xAA55", bootFlag));
    }
  }

  private String readVersionString(ByteBuffer header) {
    int pointer = header.getShort(KERNEL_VERSION) & 0xffff;
    if (pointer == 0) {
      return "";
    }
    int start = pointer + 0x200;
    int end = start;
    while (end < image.length && end - start < 512 && image[end] != 0) {
      end++;
    }
    return start >= image.length
        ? ""
        : new String(image, start, end - start, StandardCharsets.US_ASCII);
  }

  private KernelException invalid(String reason) {
    return new KernelException("'" + path + "' is not a usable bzImage: " + reason);
  }

  private static void deleteQuietly(Path temporary) {
    try {
      Files.deleteIfExists(temporary);
    } catch (IOException e) {
      // The temporary file only holds a partial vmlinux; its leftover is harmless, so we log.
      LOG.warn("Could not delete the partial vmlinux '{}'", temporary, e);
    }
  }
}
