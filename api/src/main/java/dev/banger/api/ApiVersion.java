package dev.banger.api;

/** The version of the CLI-to-daemon wire protocol; every route is served under its prefix. */
public final class ApiVersion {
  /** Path prefix of every route of this API version. */
  public static final String PREFIX = "/v1";

  private ApiVersion() {}
}
