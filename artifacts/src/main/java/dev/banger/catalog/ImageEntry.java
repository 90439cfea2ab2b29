package dev.banger.catalog;

import java.util.Optional;

/**
 * An image in the catalog: fetched as a bundle when one is published, else built from its recipe.
 * At least one of the two is present. Immutable and thread-safe.
 *
 * @param name the name users type ({@code banger image pull debian-bookworm})
 * @param description one line for {@code image ls}
 * @param arch the architecture, "x86_64"
 * @param bundle the published bundle, if any (its manifest names the kernel)
 * @param recipe the local recipe, if any
 */
public record ImageEntry(
    String name,
    String description,
    String arch,
    Optional<BundleSource> bundle,
    Optional<ImageRecipe> recipe) {}
