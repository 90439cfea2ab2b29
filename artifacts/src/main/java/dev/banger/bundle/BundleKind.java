package dev.banger.bundle;

import java.util.Locale;

/** What a bundle carries. Written in manifests in lower case. Immutable and thread-safe. */
public enum BundleKind {
  /** An image: rootfs, optional work-seed, and the name of the kernel it boots with. */
  IMAGE,
  /** A kernel: vmlinux, initrd, modules. */
  KERNEL;

  /** The spelling in manifest.json ("image", "kernel"). */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the manifest spelling; null if {@code text} is neither. */
  static BundleKind fromJson(String text) {
    for (BundleKind kind : values()) {
      if (kind.jsonName().equals(text)) {
        return kind;
      }
    }
    return null;
  }
}
