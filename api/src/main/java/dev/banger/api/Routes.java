package dev.banger.api;

/**
 * Paths of the daemon API (all under {@link ApiVersion#PREFIX}). The OpenAPI document in {@code
 * daemon/src/main/resources/openapi.yaml} describes the same set; a test keeps the two equal.
 */
public final class Routes {
  /** GET: the daemon's version. */
  public static final String VERSION = ApiVersion.PREFIX + "/version";

  /** GET: the daemon's status. */
  public static final String DAEMON = ApiVersion.PREFIX + "/daemon";

  /** POST: ask the daemon to shut down gracefully. */
  public static final String DAEMON_SHUTDOWN = ApiVersion.PREFIX + "/daemon/shutdown";

  /** GET: the host readiness report. */
  public static final String DOCTOR = ApiVersion.PREFIX + "/doctor";

  /** GET: list VMs. */
  public static final String VMS = ApiVersion.PREFIX + "/vms";

  private Routes() {}
}
