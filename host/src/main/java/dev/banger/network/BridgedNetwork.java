package dev.banger.network;

import dev.banger.hostos.CommandRunner;

/**
 * The bridged network as the daemon uses it: the host side (bridge and NAT) set up once, and a TAP,
 * MAC and address for each VM, reserved in an {@link AddressBook} and released on removal.
 *
 * <p>Immutable and thread-safe; concurrent calls must be for different VMs.
 */
public final class BridgedNetwork {
  private final NetworkSettings settings;
  private final Bridge bridge;
  private final Nat nat;
  private final TapDevices taps;
  private final AddressAllocator allocator;

  /** Bridged networking through {@code runner}, with {@code nat} for outbound traffic. */
  public BridgedNetwork(CommandRunner runner, NetworkSettings settings, Nat nat) {
    this.settings = settings;
    this.bridge = new Bridge(runner, settings.bridgeName());
    this.nat = nat;
    this.taps = new TapDevices(runner);
    this.allocator = new AddressAllocator(settings.subnet());
  }

  /** The bridge name and subnet. */
  public NetworkSettings settings() {
    return settings;
  }

  /**
   * Makes sure the bridge exists with the gateway address and NAT is in place; safe to call on
   * every daemon start.
   *
   * @return the uplink interface NAT sends traffic out of
   */
  public String ensureHostSide() throws NetworkException {
    bridge.ensure(settings.subnet());
    return nat.ensure(settings.subnet(), settings.bridgeName());
  }

  /** Removes NAT and the bridge (after every VM is gone). */
  public void removeHostSide() throws NetworkException {
    nat.remove();
    bridge.remove();
  }

  /**
   * Gives VM {@code vmId} an address (the one it holds, or the lowest free) and a TAP on the bridge
   * owned by {@code tapOwnerUid}. If the TAP cannot be made, an address reserved by this call is
   * released again.
   */
  public VmNetwork connect(String vmId, AddressBook book, int tapOwnerUid) throws NetworkException {
    boolean hadAddress = book.addressOf(vmId).isPresent();
    IpAddress address = allocator.allocate(book, vmId);
    try {
      String tap = taps.create(vmId, settings.bridgeName(), tapOwnerUid);
      return new VmNetwork(vmId, tap, MacAddress.forVm(vmId), address, settings.subnet());
    } catch (NetworkException e) {
      if (!hadAddress) {
        book.release(vmId);
      }
      throw e;
    }
  }

  /** Removes the TAP of VM {@code vmId} and releases its address ({@code vm rm}). */
  public void disconnect(String vmId, AddressBook book) throws NetworkException {
    taps.remove(TapDevices.nameFor(vmId));
    book.release(vmId);
  }
}
