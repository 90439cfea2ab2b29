package dev.banger.daemon.vm;

/**
 * The host resources a VM owns, kept as JSON in its {@code vms.resources} column so that {@code vm
 * rm} and the reaper can remove exactly them.
 *
 * @param vmDir the VM's directory in the state directory (disks, console log, known_hosts)
 * @param runtimeDir the VM's directory in the runtime directory (sockets)
 * @param rootDisk the copy-on-write root disk the VMM opens
 * @param diskStrategy how the root disk was made: dm-snapshot, reflink or sparse-copy
 * @param workDisk the work disk
 * @param network {@code bridge} (a TAP on the bridge) or {@code user} (QEMU user-mode)
 * @param tap the TAP device, empty for user-mode networking
 * @param mac the guest NIC's MAC address
 * @param address the guest address with its prefix, e.g. {@code 172.30.0.2/24}
 * @param gateway the guest's default gateway
 * @param sshHost where the host reaches the guest's SSH server
 * @param sshPort the port for {@code sshHost} (22, or a forwarded localhost port)
 * @param init the {@code init=} program to boot, empty (or null in VMs created before it was
 *     recorded) for the image's own init
 * @param base the prepared base the root disk reads (a qcow2 overlay's backing file, a snapshot's
 *     origin), empty (or null in older VMs) when the root disk is a copy of its own
 */
public record VmResources(
    String vmDir,
    String runtimeDir,
    String rootDisk,
    String diskStrategy,
    String workDisk,
    String network,
    String tap,
    String mac,
    String address,
    String gateway,
    String sshHost,
    int sshPort,
    String init,
    String base) {}
