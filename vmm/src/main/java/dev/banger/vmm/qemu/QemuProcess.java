package dev.banger.vmm.qemu;

import dev.banger.vmm.SupervisedProcess;
import dev.banger.vmm.VmmException;
import dev.banger.vmm.VmmState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * A running QEMU microvm. A graceful stop presses the guest's ACPI power button through QMP {@code
 * system_powerdown}.
 *
 * <p>Thread-safe.
 */
final class QemuProcess extends SupervisedProcess {
  private final Duration qmpTimeout;

  QemuProcess(
      VmmState state,
      ProcessHandle handle,
      CompletableFuture<OptionalInt> ended,
      Path pidFile,
      Duration qmpTimeout) {
    super(state, handle, ended, List.of(pidFile));
    this.qmpTimeout = qmpTimeout;
  }

  @Override
  protected void requestShutdown() throws VmmException {
    try (QmpClient qmp = QmpClient.connect(state().controlSocket(), qmpTimeout)) {
      qmp.systemPowerdown(qmpTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmmException("Interrupted while asking VM " + state().vmId() + " to power down", e);
    }
  }
}
