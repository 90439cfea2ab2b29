package dev.banger.vmm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a kernel command line from the parameters a driver needs and banger's own (see
 * docs/guest-boot-contract.md). A banger parameter replaces a driver parameter with the same name,
 * so the daemon can override a driver default such as {@code panic=1}.
 *
 * <p>Stateless, so thread-safe.
 */
public final class KernelCommandLine {

  private KernelCommandLine() {}

  /**
   * Joins {@code driverParams} (minus those banger overrides by name) and then {@code
   * bangerParams}, space-separated.
   *
   * @throws IllegalArgumentException if a parameter is empty or contains whitespace, which the
   *     kernel would split into separate parameters
   */
  public static String merge(List<String> driverParams, List<String> bangerParams) {
    Map<String, String> byName = new LinkedHashMap<>();
    for (String param : driverParams) {
      byName.put(name(param), param);
    }
    List<String> result = new ArrayList<>();
    for (String param : bangerParams) {
      byName.remove(name(param));
    }
    result.addAll(byName.values());
    result.addAll(bangerParams);
    return String.join(" ", result);
  }

  private static String name(String param) {
    if (param.isEmpty() || param.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "kernel parameter \"" + param + "\" is empty or contains whitespace");
    }
    int eq = param.indexOf('=');
    return eq < 0 ? param : param.substring(0, eq);
  }
}
