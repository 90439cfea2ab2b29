package dev.banger.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/** Generates small ELF files for tests: an x86-64 kernel-like executable and kernel modules. */
final class TestElf {

  static final int EM_X86_64 = 0x3E;
  static final int EM_AARCH64 = 0xB7;
  static final long PVH_ENTRY = 0x1000_2a0L;

  private TestElf() {}

  /**
   * An ELF64 executable with a PT_LOAD and a PT_NOTE segment (a GNU note, then the Xen PVH note
   * when {@code pvh}), followed by {@code bodySize} bytes of compressible pseudo-random text.
   */
  static byte[] executable(int bodySize, boolean pvh, int machine) {
    int notesOffset = 64 + 2 * 56;
    int notesSize = 20 + (pvh ? 24 : 0);
    int bodyOffset = notesOffset + notesSize;
    ByteBuffer elf = ByteBuffer.allocate(bodyOffset + bodySize).order(ByteOrder.LITTLE_ENDIAN);
    header(elf, 2, machine, 0x100_0000L, 64, 2, 0, 0, 0);

    elf.position(64);
    programHeader(elf, 1, 0, bodyOffset + bodySize);
    programHeader(elf, 4, notesOffset, notesSize);

    elf.position(notesOffset);
    note(elf, "GNU", 3, new byte[] {1, 2, 3, 4});
    if (pvh) {
      byte[] entry =
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(PVH_ENTRY).array();
      note(elf, "Xen", 18, entry);
    }
    elf.put(body(bodySize));
    return elf.array();
  }

  /** A relocatable ELF64 object with a .modinfo section, like a kernel module. */
  static byte[] module(String name, List<String> depends) {
    byte[] modinfo =
        ("license=GPL\0depends=" + String.join(",", depends) + "\0name=" + name + "\0")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] names = "\0.modinfo\0.shstrtab\0".getBytes(StandardCharsets.US_ASCII);
    int modinfoOffset = 64;
    int namesOffset = modinfoOffset + modinfo.length;
    int sectionTable = (namesOffset + names.length + 7) & ~7;
    ByteBuffer elf = ByteBuffer.allocate(sectionTable + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
    header(elf, 1, EM_X86_64, 0, 0, 0, sectionTable, 3, 2);
    elf.put(modinfoOffset, modinfo);
    elf.put(namesOffset, names);
    elf.position(sectionTable + 64);
    section(elf, 1, 1, modinfoOffset, modinfo.length);
    section(elf, 10, 3, namesOffset, names.length);
    return elf.array();
  }

  private static void header(
      ByteBuffer elf,
      int type,
      int machine,
      long entry,
      long phoff,
      int phnum,
      long shoff,
      int shnum,
      int shstrndx) {
    elf.put(0, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
    elf.putShort(16, (short) type);
    elf.putShort(18, (short) machine);
    elf.putInt(20, 1);
    elf.putLong(24, entry);
    elf.putLong(32, phoff);
    elf.putLong(40, shoff);
    elf.putShort(52, (short) 64);
    elf.putShort(54, (short) 56);
    elf.putShort(56, (short) phnum);
    elf.putShort(58, (short) 64);
    elf.putShort(60, (short) shnum);
    elf.putShort(62, (short) shstrndx);
  }

  private static void programHeader(ByteBuffer elf, int type, long offset, long size) {
    int start = elf.position();
    elf.putInt(type)
        .putInt(5)
        .putLong(offset)
        .putLong(0x100_0000L)
        .putLong(0x100_0000L)
        .putLong(size)
        .putLong(size)
        .putLong(4);
    elf.position(start + 56);
  }

  private static void note(ByteBuffer elf, String name, int type, byte[] desc) {
    byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
    elf.putInt(nameBytes.length).putInt(desc.length).putInt(type);
    elf.put(nameBytes);
    elf.position((elf.position() + 3) & ~3);
    elf.put(desc);
    elf.position((elf.position() + 3) & ~3);
  }

  private static void section(ByteBuffer elf, int nameOffset, int type, long offset, long size) {
    int start = elf.position();
    elf.putInt(nameOffset).putInt(type).putLong(0).putLong(0).putLong(offset).putLong(size);
    elf.position(start + 64);
  }

  /** Text-like bytes: compressible, but not trivially so. */
  static byte[] body(int size) {
    Random random = new Random(size);
    String[] words = {"virtio ", "kernel ", "banger ", "microvm ", "initramfs ", "\n"};
    byte[] body = new byte[size];
    int position = 0;
    while (position < size) {
      byte[] word =
          random.nextInt(8) == 0
              ? new byte[] {(byte) random.nextInt(256)}
              : words[random.nextInt(words.length)].getBytes(StandardCharsets.US_ASCII);
      int n = Math.min(word.length, size - position);
      System.arraycopy(word, 0, body, position, n);
      position += n;
    }
    return body;
  }
}
