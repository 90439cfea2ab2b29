package dev.banger.network;

import static dev.banger.network.NamespaceTests.assumeNetAdmin;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.hostos.HostResources;
import dev.banger.hostos.TaggedInterface;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NetworkReaperTest {

  @BeforeEach
  void needsNetAdmin() {
    assumeNetAdmin();
  }

  @Test
  void tapsOfRemovedVmsGoAndEverythingElseStays() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      new Bridge(ns.runner(), "banger0").ensure(Subnet.parse("172.30.0.0/24"));
      TapDevices taps = new TapDevices(ns.runner());
      taps.create("dead0001", "banger0", 0);
      taps.create("live0001", "banger0", 0);
      // A TAP whose daemon died before tagging it, and interfaces banger does not own.
      ns.exec("ip", "tuntap", "add", "dev", "bgr-crashed", "mode", "tap");
      ns.exec("ip", "tuntap", "add", "dev", "user-tap", "mode", "tap");
      ns.exec("ip", "link", "add", "bgr-bridge", "type", "bridge");

      List<String> removed = new NetworkReaper(ns.runner()).reap(Set.of("live0001"));

      assertThat(removed).containsExactlyInAnyOrder("bgr-dead0001", "bgr-crashed");
      assertThat(new HostResources(ns.runner()).taggedInterfaces())
          .extracting(TaggedInterface::name)
          .containsExactly("bgr-live0001");
      assertThat(taps.exists("user-tap")).isTrue();
      assertThat(taps.exists("bgr-bridge")).isTrue();
      assertThat(taps.exists("banger0")).isTrue();
    }
  }

  @Test
  void untaggedTapOfALiveVmIsKept() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      ns.exec("ip", "tuntap", "add", "dev", "bgr-live0002", "mode", "tap");

      assertThat(new NetworkReaper(ns.runner()).reap(Set.of("live0002-more"))).isEmpty();
    }
  }
}
