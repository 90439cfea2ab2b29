package dev.banger.network;

import static dev.banger.network.NamespaceTests.assumeNetAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BridgedNetworkTest {

  @BeforeEach
  void needsNetAdmin() {
    assumeNetAdmin();
  }

  @Test
  void vmsGetConsecutiveAddressesTapsAndMacsAndGiveThemBack() throws Exception {
    try (NetworkNamespace host = NetworkNamespace.create();
        NetworkNamespace outside = NetworkNamespace.create()) {
      host.addUplinkTo(outside);
      NetworkSettings settings = NetworkSettings.defaults();
      BridgedNetwork network =
          new BridgedNetwork(host.runner(), settings, new Nat(host.runner(), NatBackend.NFTABLES));
      AddressBook book = new InMemoryAddressBook();

      assertThat(network.ensureHostSide()).isEqualTo("up0");
      VmNetwork first = network.connect("aaaa1111", book, 0);
      VmNetwork second = network.connect("bbbb2222", book, 0);

      assertThat(first.address()).isEqualTo(IpAddress.parse("172.30.0.2"));
      assertThat(second.address()).isEqualTo(IpAddress.parse("172.30.0.3"));
      assertThat(first.tapName()).isEqualTo("bgr-aaaa1111");
      assertThat(first.mac()).isEqualTo(MacAddress.forVm("aaaa1111"));
      assertThat(first.bootParameters()).contains("banger.ip=172.30.0.2/24");

      network.disconnect("aaaa1111", book);

      assertThat(book.addressOf("aaaa1111")).isEmpty();
      assertThat(new TapDevices(host.runner()).exists("bgr-aaaa1111")).isFalse();
      assertThat(network.connect("cccc3333", book, 0).address())
          .isEqualTo(IpAddress.parse("172.30.0.2"));

      network.removeHostSide();
      assertThat(new Bridge(host.runner(), "banger0").exists()).isFalse();
    }
  }

  @Test
  void failedTapReleasesTheAddressItReserved() throws Exception {
    try (NetworkNamespace host = NetworkNamespace.create()) {
      // No ensureHostSide: the bridge is missing, so attaching the TAP fails.
      BridgedNetwork network =
          new BridgedNetwork(
              host.runner(),
              NetworkSettings.defaults(),
              new Nat(host.runner(), NatBackend.NFTABLES));
      AddressBook book = new InMemoryAddressBook();

      assertThatThrownBy(() -> network.connect("dddd4444", book, 0))
          .isInstanceOf(NetworkException.class);
      assertThat(book.inUse()).isEmpty();
    }
  }
}
