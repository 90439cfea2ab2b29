package dev.banger.vmm.firecracker;

import dev.banger.vmm.VmmSpec;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where one Firecracker VM's files live on the host, and how Firecracker itself names them. Without
 * the jailer both are the same path. Under the jailer Firecracker runs chrooted into {@code
 * <chroot-base>/<exec-file-name>/<id>/root}, so every file it opens lives there and is named
 * relative to it.
 *
 * <p>Immutable, so thread-safe.
 *
 * @param chrootRoot the jail's root directory, empty without the jailer
 * @param jailDir {@code <chroot-base>/<exec-file-name>/<id>}, removed when the VM ends
 * @param apiSocket Firecracker's API socket
 * @param vsockSocket the vsock device's Unix socket (the agent socket)
 * @param log Firecracker's log file
 * @param metrics Firecracker's metrics file
 * @param serialLog the file the guest console is written to, as Firecracker opens it
 * @param output Firecracker's (or the jailer's) stdout and stderr, in the runtime directory
 */
record FirecrackerLayout(
    Optional<Path> chrootRoot,
    Optional<Path> jailDir,
    Path apiSocket,
    Path vsockSocket,
    Path log,
    Path metrics,
    Path serialLog,
    Path output) {

  static final String API_SOCKET = "firecracker.sock";

  /** The layout for {@code spec}; {@code jailId} names the jail when the spec has a jailer. */
  static FirecrackerLayout of(VmmSpec spec, String jailId) {
    Path runtime = spec.runtimeDir();
    Path output = runtime.resolve("firecracker.out");
    if (spec.jailer().isEmpty()) {
      return new FirecrackerLayout(
          Optional.empty(),
          Optional.empty(),
          runtime.resolve(API_SOCKET),
          runtime.resolve("vsock.sock"),
          runtime.resolve("firecracker.log"),
          runtime.resolve("firecracker.metrics"),
          spec.serialLog(),
          output);
    }
    VmmSpec.Jailer jailer = spec.jailer().get();
    Path jailDir =
        jailer.chrootBase().resolve(spec.vmmBinary().getFileName().toString()).resolve(jailId);
    Path root = jailDir.resolve("root");
    return new FirecrackerLayout(
        Optional.of(root),
        Optional.of(jailDir),
        root.resolve(API_SOCKET),
        root.resolve("vsock.sock"),
        root.resolve("firecracker.log"),
        root.resolve("firecracker.metrics"),
        root.resolve("console.log"),
        output);
  }

  /** The name Firecracker uses for a host path: chroot-relative under the jailer. */
  String inVmm(Path hostPath) {
    if (chrootRoot.isEmpty()) {
      return hostPath.toString();
    }
    return "/" + chrootRoot.get().relativize(hostPath);
  }
}
