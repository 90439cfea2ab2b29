package dev.banger.network;

import static dev.banger.network.NamespaceTests.assumeNetAdmin;
import static dev.banger.network.NamespaceTests.link;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class TapDevicesTest {
  private static final String VM = "3f9a2c71d0e4";

  @BeforeEach
  void needsNetAdmin() {
    assumeNetAdmin();
  }

  @Test
  void tapIsNamedAfterTheVmPersistentOwnedTaggedOnTheBridgeAndUp() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      new Bridge(ns.runner(), "banger0").ensure(Subnet.parse("172.30.0.0/24"));

      String name = new TapDevices(ns.runner()).create(VM, "banger0", 4242);

      assertThat(name).isEqualTo("bgr-3f9a2c71");
      JsonNode tap = link(ns, name);
      JsonNode tun = tap.path("linkinfo").path("info_data");
      assertThat(tap.path("linkinfo").path("info_kind").asString()).isEqualTo("tun");
      assertThat(tun.path("type").asString()).isEqualTo("tap");
      assertThat(tun.path("persist").asBoolean()).isTrue();
      assertThat(tun.path("user").asString()).isEqualTo("4242");
      assertThat(tap.path("master").asString()).isEqualTo("banger0");
      assertThat(tap.path("ifalias").asString()).isEqualTo("banger-vm=" + VM);
      assertThat(tap.path("flags").valueStream().map(JsonNode::asString)).contains("UP");
    }
  }

  @Test
  void leftoverTapOfTheSameVmIsReplaced() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      new Bridge(ns.runner(), "banger0").ensure(Subnet.parse("172.30.0.0/24"));
      TapDevices taps = new TapDevices(ns.runner());
      taps.create(VM, "banger0", 0);
      int firstIndex = link(ns, "bgr-3f9a2c71").path("ifindex").asInt();

      taps.create(VM, "banger0", 0);

      assertThat(link(ns, "bgr-3f9a2c71").path("ifindex").asInt()).isNotEqualTo(firstIndex);
    }
  }

  @Test
  void tapNameHeldByAnotherVmIsRefused() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      new Bridge(ns.runner(), "banger0").ensure(Subnet.parse("172.30.0.0/24"));
      TapDevices taps = new TapDevices(ns.runner());
      taps.create("3f9a2c71-first", "banger0", 0);

      assertThatThrownBy(() -> taps.create("3f9a2c71-second", "banger0", 0))
          .isInstanceOf(NetworkException.class)
          .hasMessageContaining("bgr-3f9a2c71")
          .hasMessageContaining("banger-vm=3f9a2c71-first");
      assertThat(link(ns, "bgr-3f9a2c71").path("ifalias").asString())
          .isEqualTo("banger-vm=3f9a2c71-first");
    }
  }

  @Test
  void tapOnAMissingBridgeIsNotLeftBehind() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      TapDevices taps = new TapDevices(ns.runner());

      assertThatThrownBy(() -> taps.create(VM, "no-bridge", 0))
          .isInstanceOf(NetworkException.class)
          .hasMessageContaining("attach TAP bgr-3f9a2c71 to bridge no-bridge");
      assertThat(taps.exists("bgr-3f9a2c71")).isFalse();
    }
  }

  @Test
  void removeDeletesTheTapAndIsHarmlessWhenItIsGone() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      new Bridge(ns.runner(), "banger0").ensure(Subnet.parse("172.30.0.0/24"));
      TapDevices taps = new TapDevices(ns.runner());
      String name = taps.create(VM, "banger0", 0);

      taps.remove(name);
      taps.remove(name);

      assertThat(taps.exists(name)).isFalse();
    }
  }

  @Test
  void shortVmIdsKeepTheirWholeIdInTheName() {
    assertThat(TapDevices.nameFor("vm1")).isEqualTo("bgr-vm1");
    assertThatThrownBy(() -> TapDevices.nameFor("bad id"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
