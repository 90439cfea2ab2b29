package dev.banger.hostos;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few C library functions banger calls through the FFM API, with {@code errno} captured right
 * after each call (the JVM may clobber it before Java code could read it otherwise).
 *
 * <p>Stateless and thread-safe: each call allocates its own capture segment.
 */
final class LibC {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  /** {@code int open(const char *path, int flags, ...)}: variadic after the flags. */
  private static final MethodHandle OPEN =
      downcall(
          "open",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
          Linker.Option.firstVariadicArg(2),
          CAPTURE_ERRNO);

  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

  /** {@code int ioctl(int fd, unsigned long request, ...)}: variadic after the request. */
  private static final MethodHandle IOCTL_INT =
      downcall(
          "ioctl",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT),
          Linker.Option.firstVariadicArg(2),
          CAPTURE_ERRNO);

  private static final MethodHandle LSEEK =
      downcall(
          "lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);

  private static final MethodHandle GETEUID = downcall("geteuid", FunctionDescriptor.of(JAVA_INT));

  private static final MethodHandle STRERROR =
      downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

  private LibC() {}

  /** The result of a call: its return value and {@code errno} as it was right after it. */
  record Outcome(long value, int errno) {
    boolean failed() {
      return value == -1;
    }
  }

  static Outcome open(String path, int flags, int mode) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment cPath = arena.allocateFrom(path);
      int fd = (int) OPEN.invokeExact(capture, cPath, flags, mode);
      return new Outcome(fd, errno(capture));
    } catch (Throwable t) {
      throw linkageFailure("open", t);
    }
  }

  static Outcome close(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
      int result = (int) CLOSE.invokeExact(capture, fd);
      return new Outcome(result, errno(capture));
    } catch (Throwable t) {
      throw linkageFailure("close", t);
    }
  }

  static Outcome ioctl(int fd, long request, int argument) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
      int result = (int) IOCTL_INT.invokeExact(capture, fd, request, argument);
      return new Outcome(result, errno(capture));
    } catch (Throwable t) {
      throw linkageFailure("ioctl", t);
    }
  }

  static Outcome lseek(int fd, long offset, int whence) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
      long result = (long) LSEEK.invokeExact(capture, fd, offset, whence);
      return new Outcome(result, errno(capture));
    } catch (Throwable t) {
      throw linkageFailure("lseek", t);
    }
  }

  static int geteuid() {
    try {
      return (int) GETEUID.invokeExact();
    } catch (Throwable t) {
      throw linkageFailure("geteuid", t);
    }
  }

  @SuppressWarnings("restricted") // reading a C string needs an unbounded view of its memory
  static String strerror(int errno) {
    try {
      MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
      // strerror returns a NUL-terminated string of unknown length owned by the C library.
      return message.reinterpret(Integer.MAX_VALUE).getString(0);
    } catch (Throwable t) {
      throw linkageFailure("strerror", t);
    }
  }

  private static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  @SuppressWarnings("restricted") // native access is what this class is for
  private static MethodHandle downcall(
      String name, FunctionDescriptor descriptor, Linker.Option... options) {
    MemorySegment symbol =
        LINKER
            .defaultLookup()
            .find(name)
            .orElseThrow(
                () -> new IllegalStateException("the C library has no function '" + name + "'"));
    return LINKER.downcallHandle(symbol, descriptor, options);
  }

  private static IllegalStateException linkageFailure(String function, Throwable cause) {
    return new IllegalStateException("calling " + function + "(2) through FFM failed", cause);
  }
}
