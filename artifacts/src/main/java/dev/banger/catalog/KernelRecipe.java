package dev.banger.catalog;

/**
 * How to build a catalog kernel locally: from a Debian kernel package. Immutable and thread-safe.
 *
 * @param debianPackage the package ("linux-image-cloud-amd64"; JSON field "debian-package")
 */
public record KernelRecipe(String debianPackage) {}
