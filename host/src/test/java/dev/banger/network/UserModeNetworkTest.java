package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class UserModeNetworkTest {

  @Test
  void allocatedSshPortCanBeBoundOnLoopback() throws Exception {
    UserModeNetwork network = UserModeNetwork.allocate();

    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), network.sshPort()));
      assertThat(socket.getLocalPort()).isEqualTo(network.sshPort());
    }
  }

  @Test
  void qemuForwardAndBootParametersFollowTheBootContract() {
    UserModeNetwork network = new UserModeNetwork(2222);

    assertThat(network.hostForward()).isEqualTo("tcp:127.0.0.1:2222-:22");
    assertThat(network.bootParameters())
        .containsExactly("banger.ip=10.0.2.15/24", "banger.gw=10.0.2.2", "banger.dns=10.0.2.3");
  }

  @Test
  void portOutsideTcpRangeIsRejected() {
    assertThatThrownBy(() -> new UserModeNetwork(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("70000");
  }

  @Test
  void bridgedVmBootParametersCarryAddressPrefixAndGateway() {
    Subnet subnet = Subnet.parse("172.30.0.0/24");
    VmNetwork vm =
        new VmNetwork(
            "vm-1", "bgr-vm-1", MacAddress.forVm("vm-1"), IpAddress.parse("172.30.0.5"), subnet);

    assertThat(vm.bootParameters())
        .containsExactly("banger.ip=172.30.0.5/24", "banger.gw=172.30.0.1");
  }
}
