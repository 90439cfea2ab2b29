package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MacAddressTest {

  @Test
  void vmMacIsStableLocallyAdministeredAndUnicast() {
    MacAddress mac = MacAddress.forVm("3f9a2c71");

    assertThat(MacAddress.forVm("3f9a2c71")).isEqualTo(mac);
    assertThat(mac.isLocallyAdministered()).isTrue();
    assertThat(mac.isUnicast()).isTrue();
    assertThat(mac.toString()).matches("02(:[0-9a-f]{2}){5}");
  }

  @Test
  void differentVmsGetDifferentMacs() {
    Set<MacAddress> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertThat(seen.add(MacAddress.forVm(UUID.randomUUID().toString()))).isTrue();
    }
  }

  @Test
  void textRoundTrips() {
    assertThat(MacAddress.parse("02:ab:0c:de:f0:01").toString()).isEqualTo("02:ab:0c:de:f0:01");
    MacAddress mac = MacAddress.forVm("vm");
    assertThat(MacAddress.parse(mac.toString())).isEqualTo(mac);
  }

  @Test
  void malformedMacIsRejectedNamingTheText() {
    for (String bad : new String[] {"02:ab:0c:de:f0", "02:ab:0c:de:f0:0g", "2:ab:0c:de:f0:01"}) {
      assertThatThrownBy(() -> MacAddress.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }
}
