package dev.banger.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelConfigTest {

  @Test
  void distinguishesBuiltInModuleAndAbsentOptions() {
    KernelConfig config =
        KernelConfig.parse(
            "#\n# Automatically generated file\nCONFIG_EXT4_FS=y\nCONFIG_VIRTIO_BLK=m\n"
                + "# CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set\n"
                + "CONFIG_CMDLINE=\"console=ttyS0\"\n");

    assertThat(config.support("CONFIG_EXT4_FS")).isEqualTo(FeatureSupport.BUILT_IN);
    assertThat(config.support("CONFIG_VIRTIO_BLK")).isEqualTo(FeatureSupport.MODULE);
    assertThat(config.support("CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES"))
        .isEqualTo(FeatureSupport.ABSENT);
    assertThat(config.support("CONFIG_NEVER_HEARD_OF")).isEqualTo(FeatureSupport.ABSENT);
    assertThat(config.value("CONFIG_CMDLINE")).isEqualTo("\"console=ttyS0\"");
  }
}
