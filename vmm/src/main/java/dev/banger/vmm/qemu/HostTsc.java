package dev.banger.vmm.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The host's TSC frequency, which a TCG guest needs to be told.
 *
 * <p>Under TCG a guest's {@code rdtsc} reads the host's TSC, but the guest has neither kvm-clock
 * nor an HPET or ACPI PM timer on {@code microvm}, so it can only calibrate the TSC against the
 * emulated PIT. On a busy host that calibration fails ("Unable to calibrate against PIT") and the
 * guest hangs before init. Passing {@code tsc_early_khz} skips the calibration.
 *
 * <p>Limitation: the value comes from the first "cpu MHz" of {@code /proc/cpuinfo}, which is the
 * TSC rate on hosts whose CPUs report {@code constant_tsc} and {@code tsc_known_freq} (the virtual
 * machines where TCG is used) but the current clock on a bare-metal host with frequency scaling;
 * there a TCG guest's clock runs off by the ratio of the two.
 *
 * <p>Stateless, so thread-safe.
 */
final class HostTsc {
  private static final Path CPUINFO = Path.of("/proc/cpuinfo");

  private HostTsc() {}

  /** The host TSC frequency in kHz, or empty when {@code /proc/cpuinfo} does not say. */
  static OptionalLong kilohertz() {
    try {
      return parse(Files.readString(CPUINFO, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  /** Reads the first "cpu MHz" line of a {@code /proc/cpuinfo} text. */
  static OptionalLong parse(String cpuinfo) {
    return cpuinfo
        .lines()
        .filter(line -> line.startsWith("cpu MHz"))
        .findFirst()
        .map(line -> line.substring(line.indexOf(':') + 1).strip())
        .map(HostTsc::toKilohertz)
        .orElse(OptionalLong.empty());
  }

  private static OptionalLong toKilohertz(String megahertz) {
    try {
      long khz = Math.round(Double.parseDouble(megahertz) * 1000);
      return khz > 0 ? OptionalLong.of(khz) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
