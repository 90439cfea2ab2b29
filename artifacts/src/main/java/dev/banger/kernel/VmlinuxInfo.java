package dev.banger.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the ELF header and notes of an uncompressed x86-64 kernel (vmlinux) say. Immutable and
 * thread-safe.
 *
 * <p>The PVH entry point is the Xen ELF note of type 18 ({@code XEN_ELFNOTE_PHYS32_ENTRY}, name
 * "Xen") in a {@code PT_NOTE} segment: the 32-bit physical address Firecracker and QEMU jump to
 * when they boot the ELF directly.
 *
 * @param entryPoint the ELF entry point ({@code e_entry})
 * @param pvhNote whether the PVH entry note is present
 * @param pvhEntryPoint the PVH entry address, or 0 when {@code pvhNote} is false
 * @param size the file's size in bytes
 */
public record VmlinuxInfo(long entryPoint, boolean pvhNote, long pvhEntryPoint, long size) {

  /** {@code XEN_ELFNOTE_PHYS32_ENTRY}. */
  static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

  private static final int PT_NOTE = 4;
  private static final int ET_EXEC = 2;
  private static final int EM_X86_64 = 0x3E;
  private static final int MAX_NOTE_SEGMENT = 1 << 20;
  private static final int MAX_PROGRAM_HEADERS = 256;

  /**
   * Checks that {@code path} is a 64-bit little-endian x86-64 ELF executable and looks for the PVH
   * note.
   *
   * @throws IOException naming what is wrong if it is not such an ELF or cannot be read
   */
  public static VmlinuxInfo inspect(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      ByteBuffer header = read(channel, 0, 64, path);
      checkHeader(header, path);
      long entry = header.getLong(24);
      long programHeaders = header.getLong(32);
      int entrySize = header.getShort(54) & 0xffff;
      int count = header.getShort(56) & 0xffff;
      if (count > MAX_PROGRAM_HEADERS || (count > 0 && entrySize < 56)) {
        throw new IOException(
            "ELF '"
                + path
                + "' has an implausible program header table ("
                + count
                + " entries of "
                + entrySize
                + " bytes)");
      }
      long pvhEntry = -1;
      for (int i = 0; i < count && pvhEntry < 0; i++) {
        ByteBuffer ph = read(channel, programHeaders + (long) i * entrySize, 56, path);
        if (ph.getInt(0) == PT_NOTE) {
          pvhEntry = findPvhEntry(channel, ph.getLong(8), ph.getLong(32), path);
        }
      }
      return new VmlinuxInfo(entry, pvhEntry >= 0, Math.max(pvhEntry, 0), size);
    }
  }

  private static void checkHeader(ByteBuffer header, Path path) throws IOException {
    if (header.getInt(0) != 0x464c457f) {
      throw new IOException("'" + path + "' is not an ELF file (no \\x7fELF magic)");
    }
    if (header.get(4) != 2) {
      throw new IOException("ELF '" + path + "' is not 64-bit (EI_CLASS " + header.get(4) + ")");
    }
    if (header.get(5) != 1) {
      throw new IOException("ELF '" + path + "' is not little-endian");
    }
    int type = header.getShort(16) & 0xffff;
    if (type != ET_EXEC) {
      throw new IOException(
          "ELF '" + path + "' is not an executable (e_type " + type + ", expected 2)");
    }
    int machine = header.getShort(18) & 0xffff;
    if (machine != EM_X86_64) {
      throw new IOException(
          "ELF '" + path + "' is not for x86-64 (e_machine " + machine + ", expected 62)");
    }
  }

  private static long findPvhEntry(FileChannel channel, long offset, long size, Path path)
      throws IOException {
    if (size <= 0 || size > MAX_NOTE_SEGMENT) {
      return -1;
    }
    ByteBuffer notes = read(channel, offset, (int) size, path);
    int position = 0;
    while (position + 12 <= size) {
      int nameSize = notes.getInt(position);
      int descSize = notes.getInt(position + 4);
      int type = notes.getInt(position + 8);
      int name = position + 12;
      int desc = name + align4(nameSize);
      if (nameSize < 0 || descSize < 0 || desc + (long) descSize > size) {
        return -1;
      }
      if (type == XEN_ELFNOTE_PHYS32_ENTRY && isXen(notes, name, nameSize)) {
        return descSize >= 8
            ? notes.getLong(desc)
            : descSize >= 4 ? Integer.toUnsignedLong(notes.getInt(desc)) : -1;
      }
      position = desc + align4(descSize);
    }
    return -1;
  }

  private static boolean isXen(ByteBuffer notes, int offset, int length) {
    if (length < 3) {
      return false;
    }
    byte[] name = new byte[3];
    notes.get(offset, name);
    return new String(name, StandardCharsets.US_ASCII).equals("Xen");
  }

  private static int align4(int value) {
    return (value + 3) & ~3;
  }

  private static ByteBuffer read(FileChannel channel, long offset, int length, Path path)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, offset + buffer.position()) < 0) {
        throw new IOException(
            "ELF '" + path + "' is truncated: wanted " + length + " bytes at offset " + offset);
      }
    }
    return buffer.flip();
  }
}
