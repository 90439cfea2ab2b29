package dev.banger.bundle;

import java.util.Optional;

/**
 * What a bundle's author says about it, the manifest minus the file list. Immutable and
 * thread-safe.
 *
 * @param name the catalog name ("debian-bookworm", "debian-cloud")
 * @param kind image or kernel
 * @param version a free-form version ("2026-12-03", "6.1.192-3")
 * @param arch the architecture, "x86_64"
 * @param kernel for an image, the name of the kernel it needs; empty for a kernel
 */
public record BundleMetadata(
    String name, BundleKind kind, String version, String arch, Optional<String> kernel) {}
