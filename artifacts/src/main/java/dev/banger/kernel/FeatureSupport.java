package dev.banger.kernel;

/** How a kernel provides a feature, from its build configuration. Immutable and thread-safe. */
public enum FeatureSupport {
  /** Compiled into the kernel image ({@code CONFIG_X=y}). */
  BUILT_IN,
  /** Available as a loadable module ({@code CONFIG_X=m}). */
  MODULE,
  /** Not configured. */
  ABSENT
}
