package dev.banger.vmm.firecracker;

import dev.banger.vmm.SupervisedProcess;
import dev.banger.vmm.VmmException;
import dev.banger.vmm.VmmState;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A running Firecracker microVM. A graceful stop sends Ctrl+Alt+Del through the API ({@code
 * SendCtrlAltDel}); the guest reboots, and with {@code reboot=k} Firecracker exits.
 *
 * <p>Thread-safe.
 */
final class FirecrackerProcess extends SupervisedProcess {
  private static final JsonNodeFactory NODES = JsonMapper.builder().build().getNodeFactory();

  private final FirecrackerApi api;

  FirecrackerProcess(
      VmmState state,
      ProcessHandle handle,
      CompletableFuture<OptionalInt> ended,
      FirecrackerApi api) {
    super(state, handle, ended, List.of());
    this.api = api;
  }

  @Override
  protected void requestShutdown() throws VmmException {
    try {
      api.put(
          "sending Ctrl+Alt+Del",
          "/actions",
          NODES.objectNode().put("action_type", "SendCtrlAltDel"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VmmException("Interrupted while asking VM " + state().vmId() + " to stop", e);
    }
  }
}
