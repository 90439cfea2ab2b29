package dev.banger.catalog;

/**
 * How to build a catalog image locally. Immutable and thread-safe.
 *
 * @param golden the golden image recipe to build ("debian-bookworm", see images/golden/)
 * @param kernel the name of the catalog kernel the image boots with
 */
public record ImageRecipe(String golden, String kernel) {}
