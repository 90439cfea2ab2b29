package dev.banger.vmm;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the daemon persists about a running VMM so that a restarted daemon can {@link
 * VmmDriver#adopt re-attach} to it. The start time and command line identify the process even if
 * its pid is later reused by another one.
 *
 * <p>Immutable, so thread-safe. The daemon stores it in its state database beside the VM.
 *
 * @param vmm the driver's name: {@code firecracker} or {@code qemu}
 * @param vmId the VM id
 * @param pid the VMM's process id
 * @param startTimeTicks the process start time, field 22 of {@code /proc/PID/stat}
 * @param commandLine the process command line, from {@code /proc/PID/cmdline}
 * @param runtimeDir the VM's runtime directory
 * @param controlSocket Firecracker's API socket or QEMU's QMP socket
 * @param serialLog the file holding the guest's serial console output
 * @param agentSocket the Unix socket the guest agent client connects to
 * @param agentTransport how to speak on {@code agentSocket}
 * @param agentPort the guest agent's vsock port, or 0 for a virtio serial port
 * @param jailDir the jailer's per-VM directory, removed when the VMM exits
 */
public record VmmState(
    String vmm,
    String vmId,
    long pid,
    long startTimeTicks,
    List<String> commandLine,
    Path runtimeDir,
    Path controlSocket,
    Path serialLog,
    Path agentSocket,
    AgentTransport agentTransport,
    int agentPort,
    Optional<Path> jailDir) {

  /** Copies the command line and requires every path. */
  public VmmState {
    Objects.requireNonNull(vmm, "vmm");
    Objects.requireNonNull(vmId, "vmId");
    commandLine = List.copyOf(commandLine);
    Objects.requireNonNull(runtimeDir, "runtimeDir");
    Objects.requireNonNull(controlSocket, "controlSocket");
    Objects.requireNonNull(serialLog, "serialLog");
    Objects.requireNonNull(agentSocket, "agentSocket");
    Objects.requireNonNull(agentTransport, "agentTransport");
    Objects.requireNonNull(jailDir, "jailDir");
  }
}
