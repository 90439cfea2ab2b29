package dev.banger.vmm;

/**
 * Starts and re-attaches to one kind of virtual machine monitor. The daemon picks a driver by
 * {@link #name()} and drives every VM through this interface.
 *
 * <p>Implementations are thread-safe: one driver serves all VMs of the daemon.
 */
public interface VmmDriver extends AutoCloseable {

  /** The VMM's name as used in config and persisted state: {@code firecracker} or {@code qemu}. */
  String name();

  /**
   * Spawns the VMM for {@code spec}, configures it and boots the guest. The VMM runs in its own
   * session with its output in files, so it outlives the daemon. On any failure, everything this
   * call created is removed (the process is killed, sockets and files are deleted) before it
   * throws.
   *
   * @throws VmmException naming the step that failed and why
   * @throws InterruptedException if interrupted; what was created is removed first
   */
  VmmProcess start(VmmSpec spec) throws VmmException, InterruptedException;

  /**
   * Re-attaches to a VMM started by an earlier daemon. The process must still be alive, be the same
   * process (start time and command line match) and answer on its control socket.
   *
   * @throws VmmGoneException if there is no such VMM any more
   * @throws VmmException if the state is not this driver's
   * @throws InterruptedException if interrupted while checking
   */
  VmmProcess adopt(VmmState persisted) throws VmmException, InterruptedException;

  /** Releases the driver's resources; running VMMs are not affected. */
  @Override
  void close();
}
