package dev.banger.hostos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VmTagTest {

  @Test
  void tagRoundTripsThroughInterfaceAliasAndDeviceName() {
    VmTag tag = new VmTag("3f9a2c71-web_1");

    assertThat(tag.interfaceAlias()).isEqualTo("banger-vm=3f9a2c71-web_1");
    assertThat(tag.deviceMapperName()).isEqualTo("banger-3f9a2c71-web_1");
    assertThat(VmTag.fromInterfaceAlias(tag.interfaceAlias())).contains(tag);
    assertThat(VmTag.fromDeviceMapperName(tag.deviceMapperName())).contains(tag);
  }

  @Test
  void foreignNamesCarryNoTag() {
    assertThat(VmTag.fromInterfaceAlias("uplink to the lab")).isEmpty();
    assertThat(VmTag.fromInterfaceAlias("banger-vm=")).isEmpty();
    assertThat(VmTag.fromDeviceMapperName("vg0-root")).isEmpty();
    assertThat(VmTag.fromDeviceMapperName("banger-has space")).isEmpty();
  }

  @Test
  void idsThatCouldEscapeNamesOrPathsAreRejected() {
    for (String bad : new String[] {"", "../etc", "a b", "-leading", "x".repeat(65), "a/b"}) {
      assertThatThrownBy(() -> new VmTag(bad))
          .as("id '%s'", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }
}
