package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IpAddressTest {

  @Test
  void dottedQuadRoundTripsIncludingHighAddresses() {
    for (String text : new String[] {"0.0.0.0", "10.0.2.15", "172.30.0.1", "255.255.255.255"}) {
      assertThat(IpAddress.parse(text).toString()).isEqualTo(text);
    }
    assertThat(IpAddress.parse("255.255.255.255").value()).isEqualTo(0xffffffffL);
  }

  @Test
  void addressesOrderNumericallyAcrossTheSignBit() {
    assertThat(IpAddress.parse("200.0.0.1")).isGreaterThan(IpAddress.parse("100.0.0.1"));
    assertThat(IpAddress.parse("172.30.0.255").plus(1)).isEqualTo(IpAddress.parse("172.30.1.0"));
  }

  @Test
  void malformedAddressesAreRejectedNamingTheText() {
    for (String bad :
        new String[] {
          "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "a.b.c.d", "1..2.3", "-1.0.0.0", "1.2.3.4/24"
        }) {
      assertThatThrownBy(() -> IpAddress.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }
}
