package dev.banger.daemon.doctor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Proves that KVM can really run a guest, not only that {@code /dev/kvm} opens. It creates a VM
 * with 64 KiB of memory and one vCPU in real mode, as firmware leaves a CPU, and runs code that
 * boots the way a kernel does: it loads a GDT, enters protected mode, turns on PAE, long mode and
 * paging, far-jumps into 64-bit code, writes a byte to an I/O port, loops five million times and
 * halts. A KVM whose vCPUs cannot switch modes, or run far below native speed, fails here instead
 * of in the middle of a kernel boot. {@link Doctor} also checks which KVM implementation is loaded:
 * PVM passes this probe but runs only PVM-enabled guest kernels. {@link Doctor} runs this in a
 * child process with a time limit, since a hung {@code KVM_RUN} cannot be interrupted.
 *
 * <p>Run as a program: prints {@code ok} and exits 0 when the guest halted as expected, or prints
 * the failure and exits 1.
 */
public final class KvmProbe {
  private static final long KVM_GET_API_VERSION = 0xAE00L;
  private static final long KVM_CREATE_VM = 0xAE01L;
  private static final long KVM_GET_VCPU_MMAP_SIZE = 0xAE04L;
  private static final long KVM_CREATE_VCPU = 0xAE41L;
  private static final long KVM_SET_USER_MEMORY_REGION = 0x4020AE46L;
  private static final long KVM_RUN = 0xAE80L;
  private static final long KVM_SET_REGS = 0x4090AE82L;
  private static final long KVM_GET_SREGS = 0x8138AE83L;
  private static final long KVM_SET_SREGS = 0x4138AE84L;
  private static final int KVM_EXIT_IO = 2;
  private static final int KVM_EXIT_HLT = 5;
  private static final int PROBE_PORT = 0x10;
  private static final int PROBE_VALUE = 0x42;
  private static final long GUEST_MEMORY = 0x10000;
  private static final long CODE_ADDRESS = 0x1000;

  private static final long SLOW_MILLIS = 250;
  private static final long PML4 = 0x2000;
  private static final long PDPT = 0x3000;
  private static final long PAGE_DIRECTORY = 0x4000;

  private static final long GDT = 0x500;
  private static final long GDT_POINTER = 0x530;
  private static final long PROTECTED_CODE = 0x1040;
  private static final long LONG_CODE = 0x1080;

  /** Flat descriptors: null, 32-bit code (0x08), data (0x10), 64-bit code (0x18). */
  private static final byte[] GDT_ENTRIES = {
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    (byte) 0xFF,
    (byte) 0xFF,
    0,
    0,
    0,
    (byte) 0x9A,
    (byte) 0xCF,
    0,
    (byte) 0xFF,
    (byte) 0xFF,
    0,
    0,
    0,
    (byte) 0x92,
    (byte) 0xCF,
    0,
    (byte) 0xFF,
    (byte) 0xFF,
    0,
    0,
    0,
    (byte) 0x9A,
    (byte) 0xAF,
    0
  };

  /** lgdt limit 0x1f, base 0x500. */
  private static final byte[] GDT_DESCRIPTOR = {0x1F, 0x00, 0x00, 0x05, 0x00, 0x00};

  /** 16-bit: cli; lgdt [0x530]; mov eax, cr0; or eax, 1; mov cr0, eax; jmp dword 0x08:0x1040. */
  private static final byte[] REAL_MODE_CODE = {
    (byte) 0xFA,
    0x0F,
    0x01,
    0x16,
    0x30,
    0x05,
    0x0F,
    0x20,
    (byte) 0xC0,
    0x66,
    (byte) 0x83,
    (byte) 0xC8,
    0x01,
    0x0F,
    0x22,
    (byte) 0xC0,
    0x66,
    (byte) 0xEA,
    0x40,
    0x10,
    0x00,
    0x00,
    0x08,
    0x00
  };

  /**
   * 32-bit: mov ax, 0x10; mov ds, ax; mov ss, ax; cr4 |= PAE; cr3 = 0x2000; EFER |= LME (rdmsr,
   * wrmsr); cr0 |= PG; jmp 0x18:0x1080.
   */
  private static final byte[] PROTECTED_MODE_CODE = {
    0x66,
    (byte) 0xB8,
    0x10,
    0x00,
    (byte) 0x8E,
    (byte) 0xD8,
    (byte) 0x8E,
    (byte) 0xD0,
    0x0F,
    0x20,
    (byte) 0xE0,
    (byte) 0x83,
    (byte) 0xC8,
    0x20,
    0x0F,
    0x22,
    (byte) 0xE0,
    (byte) 0xB8,
    0x00,
    0x20,
    0x00,
    0x00,
    0x0F,
    0x22,
    (byte) 0xD8,
    (byte) 0xB9,
    (byte) 0x80,
    0x00,
    0x00,
    (byte) 0xC0,
    0x0F,
    0x32,
    0x0D,
    0x00,
    0x01,
    0x00,
    0x00,
    0x0F,
    0x30,
    0x0F,
    0x20,
    (byte) 0xC0,
    0x0D,
    0x00,
    0x00,
    0x00,
    (byte) 0x80,
    0x0F,
    0x22,
    (byte) 0xC0,
    (byte) 0xEA,
    (byte) 0x80,
    0x10,
    0x00,
    0x00,
    0x18,
    0x00
  };

  /*
   * 64-bit: mov al, 0x42; out 0x10, al; mov ecx, 5000000; loop: dec ecx; jnz loop; hlt.
   * With hardware virtualisation the loop takes a few milliseconds.
   */
  private static final byte[] LONG_MODE_CODE = {
    (byte) 0xB0,
    0x42,
    (byte) 0xE6,
    0x10,
    (byte) 0xB9,
    0x40,
    0x4B,
    0x4C,
    0x00,
    (byte) 0xFF,
    (byte) 0xC9,
    0x75,
    (byte) 0xFC,
    (byte) 0xF4
  };

  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle OPEN =
      libc("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), 2);
  private static final MethodHandle IOCTL =
      libc("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
  private static final MethodHandle MMAP =
      libc(
          "mmap",
          FunctionDescriptor.of(
              ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
          -1);

  private KvmProbe() {}

  /** Runs the probe; see the class comment for the output. */
  public static void main(String[] args) {
    try {
      run();
      System.out.println("ok");
    } catch (Throwable e) {
      System.out.println(e.getMessage() == null ? e.toString() : e.getMessage());
      System.exit(1);
    }
  }

  private static void run() throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      int kvm = (int) OPEN.invokeExact(arena.allocateFrom("/dev/kvm"), 2 /* O_RDWR */);
      check(kvm, "open /dev/kvm");
      check((int) IOCTL.invokeExact(kvm, KVM_GET_API_VERSION, 0L), "KVM_GET_API_VERSION");
      int vm = (int) IOCTL.invokeExact(kvm, KVM_CREATE_VM, 0L);
      check(vm, "KVM_CREATE_VM");

      MemorySegment memory = mmap(GUEST_MEMORY, -1);
      load(memory, GDT, GDT_ENTRIES);
      load(memory, GDT_POINTER, GDT_DESCRIPTOR);
      load(memory, CODE_ADDRESS, REAL_MODE_CODE);
      load(memory, PROTECTED_CODE, PROTECTED_MODE_CODE);
      load(memory, LONG_CODE, LONG_MODE_CODE);
      identityMapFirstTwoMegabytes(memory);
      MemorySegment region = arena.allocate(32);
      region.set(JAVA_INT, 0, 0);
      region.set(JAVA_INT, 4, 0);
      region.set(JAVA_LONG, 8, 0L);
      region.set(JAVA_LONG, 16, GUEST_MEMORY);
      region.set(JAVA_LONG, 24, memory.address());
      check(
          (int) IOCTL.invokeExact(vm, KVM_SET_USER_MEMORY_REGION, region.address()),
          "KVM_SET_USER_MEMORY_REGION");

      int vcpu = (int) IOCTL.invokeExact(vm, KVM_CREATE_VCPU, 0L);
      check(vcpu, "KVM_CREATE_VCPU");
      int runSize = (int) IOCTL.invokeExact(kvm, KVM_GET_VCPU_MMAP_SIZE, 0L);
      check(runSize, "KVM_GET_VCPU_MMAP_SIZE");
      MemorySegment kvmRun = mmap(runSize, vcpu);

      MemorySegment sregs = arena.allocate(312);
      check((int) IOCTL.invokeExact(vcpu, KVM_GET_SREGS, sregs.address()), "KVM_GET_SREGS");
      // Real mode with code segment base 0, so the instruction pointer is a physical address.
      sregs.set(JAVA_LONG, 0, 0L);
      sregs.set(JAVA_SHORT, 12, (short) 0);
      check((int) IOCTL.invokeExact(vcpu, KVM_SET_SREGS, sregs.address()), "KVM_SET_SREGS");
      MemorySegment regs = arena.allocate(144);
      regs.set(JAVA_LONG, 128, CODE_ADDRESS);
      regs.set(JAVA_LONG, 136, 0x2L);
      check((int) IOCTL.invokeExact(vcpu, KVM_SET_REGS, regs.address()), "KVM_SET_REGS");

      long start = System.nanoTime();
      runUntilHalt(vcpu, kvmRun);
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (millis > SLOW_MILLIS) {
        throw new IllegalStateException(
            "a 5-million-step loop took "
                + millis
                + " ms instead of a few: the guest is emulated, not run by the CPU (nested"
                + " virtualisation without hardware support)");
      }
    }
  }

  /** One 2 MiB page maps guest-virtual 0 to guest-physical 0. */
  private static void identityMapFirstTwoMegabytes(MemorySegment memory) {
    long presentWritable = 0x3;
    memory.set(JAVA_LONG, PML4, PDPT | presentWritable);
    memory.set(JAVA_LONG, PDPT, PAGE_DIRECTORY | presentWritable);
    memory.set(JAVA_LONG, PAGE_DIRECTORY, 0x83L /* present, writable, 2 MiB page */);
  }

  private static void load(MemorySegment memory, long address, byte[] bytes) {
    memory.asSlice(address, bytes.length).copyFrom(MemorySegment.ofArray(bytes));
  }

  private static void runUntilHalt(int vcpu, MemorySegment kvmRun) throws Throwable {
    boolean sawIo = false;
    for (int i = 0; i < 16; i++) {
      check((int) IOCTL.invokeExact(vcpu, KVM_RUN, 0L), "KVM_RUN");
      int reason = kvmRun.get(JAVA_INT, 8);
      if (reason == KVM_EXIT_IO) {
        int port = Short.toUnsignedInt(kvmRun.get(JAVA_SHORT, 32 + 2));
        long dataOffset = kvmRun.get(JAVA_LONG, 32 + 8);
        int value = Byte.toUnsignedInt(kvmRun.get(JAVA_BYTE, dataOffset));
        if (port != PROBE_PORT || value != PROBE_VALUE) {
          throw new IllegalStateException(
              "the guest wrote 0x"
                  + Integer.toHexString(value)
                  + " to port 0x"
                  + Integer.toHexString(port)
                  + "; KVM ran it wrongly");
        }
        sawIo = true;
      } else if (reason == KVM_EXIT_HLT) {
        if (!sawIo) {
          throw new IllegalStateException("the guest halted before its I/O exit");
        }
        return;
      } else {
        throw new IllegalStateException("KVM_RUN exited with reason " + reason + exitName(reason));
      }
    }
    throw new IllegalStateException("the guest never halted");
  }

  private static String exitName(int reason) {
    return switch (reason) {
      case 8 -> " (shutdown)";
      case 9 -> " (failed entry)";
      case 17 -> " (internal error)";
      default -> "";
    };
  }

  private static MemorySegment mmap(long size, int fd) throws Throwable {
    int prot = 0x1 | 0x2;
    int flags = fd < 0 ? 0x02 | 0x20 /* MAP_PRIVATE|MAP_ANONYMOUS */ : 0x01 /* MAP_SHARED */;
    MemorySegment p =
        (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, prot, flags, fd, 0L);
    if (p.address() == -1L) {
      throw new IllegalStateException("mmap of " + size + " bytes failed");
    }
    return p.reinterpret(size);
  }

  private static void check(int result, String step) {
    if (result < 0) {
      throw new IllegalStateException(step + " failed");
    }
  }

  private static MethodHandle libc(String name, FunctionDescriptor fd, int firstVariadic) {
    var symbol =
        LINKER
            .defaultLookup()
            .find(name)
            .orElseThrow(() -> new IllegalStateException("libc has no " + name));
    return firstVariadic < 0
        ? LINKER.downcallHandle(symbol, fd)
        : LINKER.downcallHandle(symbol, fd, Linker.Option.firstVariadicArg(firstVariadic));
  }
}
