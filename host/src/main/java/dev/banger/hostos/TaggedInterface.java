package dev.banger.hostos;

/**
 * A network interface that carries a banger VM tag in its alias ({@code banger-vm=ID}). Immutable
 * and thread-safe.
 *
 * @param name the interface name, such as {@code bgr-1a2b3c4d}
 * @param tag the VM the interface belongs to
 */
public record TaggedInterface(String name, VmTag tag) {}
