package dev.banger.hostos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the current process may do on the host: whether it runs as root and which Linux capabilities
 * are in its effective set. Used to fail early with "needs root" instead of deep inside a command.
 *
 * <p>Stateless and thread-safe; every call reads the current state.
 */
public final class Privileges {
  /** {@code CAP_NET_ADMIN}: create TAPs and bridges, change addresses, routes and nftables. */
  public static final int CAP_NET_ADMIN = 12;

  /** {@code CAP_SYS_ADMIN}: attach loop devices and create device-mapper targets. */
  public static final int CAP_SYS_ADMIN = 21;

  private static final Path STATUS = Path.of("/proc/self/status");

  private Privileges() {}

  /** The effective user id of this process. */
  public static int effectiveUid() {
    return LibC.geteuid();
  }

  /** True when this process runs with effective user id 0. */
  public static boolean isRoot() {
    return effectiveUid() == 0;
  }

  /** True when {@code capability} (such as {@link #CAP_NET_ADMIN}) is in the effective set. */
  public static boolean hasCapability(int capability) {
    return effectiveCapabilities().testBit(capability);
  }

  /**
   * True when this process may configure networking: {@code CAP_NET_ADMIN} is effective. Root
   * normally has it; a root whose capabilities were dropped (some containers) does not, and a
   * non-root daemon given the capability does.
   */
  public static boolean canAdministerNetwork() {
    return hasCapability(CAP_NET_ADMIN);
  }

  private static BigInteger effectiveCapabilities() {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("CapEff:")) {
          return new BigInteger(line.substring("CapEff:".length()).strip(), 16);
        }
      }
      throw new IllegalStateException("no CapEff line in " + STATUS);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read capabilities from " + STATUS, e);
    }
  }
}
