package dev.banger.api;

/**
 * One host readiness check of {@code banger doctor}.
 *
 * @param name what was checked, e.g. {@code kvm}
 * @param status {@code ok}, {@code warn} or {@code fail}
 * @param detail what was found
 * @param remedy what the user can do when it is not ok; empty when ok
 * @param required whether a failure makes doctor exit non-zero
 */
public record DoctorCheck(
    String name, String status, String detail, String remedy, boolean required) {

  /** Status of a passing check. */
  public static final String OK = "ok";

  /** Status of a check that found something degraded but usable. */
  public static final String WARN = "warn";

  /** Status of a check that failed. */
  public static final String FAIL = "fail";
}
