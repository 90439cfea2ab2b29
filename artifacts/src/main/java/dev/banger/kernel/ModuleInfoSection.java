package dev.banger.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code .modinfo} section of a kernel module (an ELF64 relocatable object): the
 * NUL-separated {@code key=value} strings such as {@code depends=virtio,virtio_ring} that depmod
 * reads to write modules.dep. Stateless and thread-safe.
 */
final class ModuleInfoSection {

  private ModuleInfoSection() {}

  /** Returns the values of {@code key} in the module's .modinfo, in order of appearance. */
  static List<String> values(byte[] elf, String key, String moduleName) throws IOException {
    ByteBuffer data = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
    if (elf.length < 64 || data.getInt(0) != 0x464c457f || elf[4] != 2) {
      throw new IOException("module '" + moduleName + "' is not a 64-bit ELF object");
    }
    long sectionTable = data.getLong(40);
    int entrySize = data.getShort(58) & 0xffff;
    int count = data.getShort(60) & 0xffff;
    int namesIndex = data.getShort(62) & 0xffff;
    if (entrySize < 64
        || namesIndex >= count
        || sectionTable + (long) count * entrySize > elf.length) {
      throw new IOException("module '" + moduleName + "' has a corrupt ELF section table");
    }
    long namesOffset = data.getLong(offset(sectionTable, namesIndex, entrySize) + 24);
    for (int i = 0; i < count; i++) {
      int header = offset(sectionTable, i, entrySize);
      String name = cString(elf, namesOffset + Integer.toUnsignedLong(data.getInt(header)));
      if (name.equals(".modinfo")) {
        long start = data.getLong(header + 24);
        long size = data.getLong(header + 32);
        if (start < 0 || size < 0 || start + size > elf.length) {
          throw new IOException("module '" + moduleName + "' has a .modinfo outside the file");
        }
        return parse(elf, (int) start, (int) size, key);
      }
    }
    throw new IOException("module '" + moduleName + "' has no .modinfo section");
  }

  private static int offset(long table, int index, int entrySize) {
    return (int) (table + (long) index * entrySize);
  }

  private static List<String> parse(byte[] elf, int start, int size, String key) {
    List<String> values = new ArrayList<>();
    String prefix = key + "=";
    int position = start;
    int end = start + size;
    while (position < end) {
      int stop = position;
      while (stop < end && elf[stop] != 0) {
        stop++;
      }
      String entry = new String(elf, position, stop - position, StandardCharsets.UTF_8);
      if (entry.startsWith(prefix)) {
        values.add(entry.substring(prefix.length()));
      }
      position = stop + 1;
    }
    return values;
  }

  private static String cString(byte[] elf, long offset) {
    if (offset < 0 || offset >= elf.length) {
      return "";
    }
    int end = (int) offset;
    while (end < elf.length && elf[end] != 0) {
      end++;
    }
    return new String(elf, (int) offset, end - (int) offset, StandardCharsets.US_ASCII);
  }
}
