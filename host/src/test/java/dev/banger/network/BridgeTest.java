package dev.banger.network;

import static dev.banger.network.NamespaceTests.assumeNetAdmin;
import static dev.banger.network.NamespaceTests.json;
import static dev.banger.network.NamespaceTests.link;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class BridgeTest {
  private final Subnet subnet = Subnet.parse("172.30.0.0/24");

  @BeforeEach
  void needsNetAdmin() {
    assumeNetAdmin();
  }

  @Test
  void ensureCreatesTheBridgeWithTheGatewayAddressAndUp() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      Bridge bridge = new Bridge(ns.runner(), "banger0");

      bridge.ensure(subnet);

      JsonNode link = link(ns, "banger0");
      assertThat(link.path("linkinfo").path("info_kind").asString()).isEqualTo("bridge");
      assertThat(link.path("flags").valueStream().map(JsonNode::asString)).contains("UP");
      assertThat(addresses(ns)).containsExactly("172.30.0.1/24");
      assertThat(bridge.exists()).isTrue();
    }
  }

  @Test
  void ensureTwiceLeavesOneBridgeWithOneAddress() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      Bridge bridge = new Bridge(ns.runner(), "banger0");

      bridge.ensure(subnet);
      bridge.ensure(subnet);

      assertThat(addresses(ns)).containsExactly("172.30.0.1/24");
    }
  }

  @Test
  void interfaceOfTheSameNameThatIsNotABridgeIsRefused() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      ns.exec("ip", "tuntap", "add", "dev", "banger0", "mode", "tap");

      assertThatThrownBy(() -> new Bridge(ns.runner(), "banger0").ensure(subnet))
          .isInstanceOf(NetworkException.class)
          .hasMessageContaining("banger0 exists but is a tun, not a bridge");
    }
  }

  @Test
  void removeDeletesTheBridgeAndIsHarmlessWhenItIsGone() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      Bridge bridge = new Bridge(ns.runner(), "banger0");
      bridge.ensure(subnet);

      bridge.remove();
      bridge.remove();

      assertThat(bridge.exists()).isFalse();
    }
  }

  private static java.util.List<String> addresses(NetworkNamespace ns) throws Exception {
    JsonNode info = json(ns.exec("ip", "-j", "-4", "addr", "show", "dev", "banger0"));
    return info.path(0)
        .path("addr_info")
        .valueStream()
        .map(a -> a.path("local").asString() + "/" + a.path("prefixlen").asInt())
        .toList();
  }
}
