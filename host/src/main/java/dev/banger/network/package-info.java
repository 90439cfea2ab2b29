/**
 * VM networking on the host. Bridged mode: a bridge holding the subnet's gateway ({@link
 * dev.banger.network.Bridge}), NAT to the default-route interface ({@link dev.banger.network.Nat}),
 * a tagged TAP per VM ({@link dev.banger.network.TapDevices}), stable addresses from an {@link
 * dev.banger.network.AddressBook} and MACs derived from VM ids, tied together by {@link
 * dev.banger.network.BridgedNetwork}. Unprivileged mode: QEMU user-mode networking with a forwarded
 * SSH port ({@link dev.banger.network.UserModeNetwork}).
 *
 * <p>Every command goes through a {@link dev.banger.hostos.CommandRunner}, so the same code runs on
 * the host or inside a network namespace (which is how the tests run it).
 */
package dev.banger.network;
