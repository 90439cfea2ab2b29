package dev.banger.catalog;

import java.util.Optional;

/**
 * A kernel in the catalog: fetched as a bundle when one is published, else built from its recipe.
 * At least one of the two is present. Immutable and thread-safe.
 *
 * @param name the name users type ({@code banger kernel pull debian-cloud})
 * @param description one line for {@code kernel ls}
 * @param arch the architecture, "x86_64"
 * @param bundle the published bundle, if any
 * @param recipe the local recipe, if any
 */
public record KernelEntry(
    String name,
    String description,
    String arch,
    Optional<BundleSource> bundle,
    Optional<KernelRecipe> recipe) {}
