package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SubnetTest {

  @Test
  void gatewayIsTheFirstHostAndBroadcastTheLastAddress() {
    Subnet subnet = Subnet.parse("172.30.0.0/24");

    assertThat(subnet.gateway()).isEqualTo(IpAddress.parse("172.30.0.1"));
    assertThat(subnet.broadcast()).isEqualTo(IpAddress.parse("172.30.0.255"));
    assertThat(subnet.size()).isEqualTo(256);
    assertThat(subnet.withPrefix(IpAddress.parse("172.30.0.5"))).isEqualTo("172.30.0.5/24");
    assertThat(subnet).hasToString("172.30.0.0/24");
  }

  @Test
  void containsOnlyAddressesInsideThePrefix() {
    Subnet subnet = Subnet.parse("10.20.0.0/16");

    assertThat(subnet.contains(IpAddress.parse("10.20.255.254"))).isTrue();
    assertThat(subnet.contains(IpAddress.parse("10.21.0.1"))).isFalse();
  }

  @Test
  void hostBitsSetIsRejectedSuggestingTheNetwork() {
    assertThatThrownBy(() -> Subnet.parse("172.30.0.5/24"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("did you mean 172.30.0.0/24");
  }

  @Test
  void prefixesWithoutRoomForVmsOrAbsurdlyLargeAreRejected() {
    for (String bad : new String[] {"10.0.0.0/31", "10.0.0.0/32", "0.0.0.0/0", "10.0.0.0/7"}) {
      assertThatThrownBy(() -> Subnet.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("between 8 and 30");
    }
  }

  @Test
  void malformedCidrIsRejectedNamingTheText() {
    for (String bad : new String[] {"172.30.0.0", "172.30.0.0/", "172.30.0.0/x", "/24"}) {
      assertThatThrownBy(() -> Subnet.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'");
    }
  }
}
