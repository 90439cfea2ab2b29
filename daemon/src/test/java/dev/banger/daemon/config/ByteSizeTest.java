package dev.banger.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
  @Test
  void parsesBinarySuffixes() {
    assertThat(ByteSize.parse("512")).isEqualTo(512);
    assertThat(ByteSize.parse("4k")).isEqualTo(4096);
    assertThat(ByteSize.parse("512M")).isEqualTo(512L << 20);
    assertThat(ByteSize.parse("8GiB")).isEqualTo(8L << 30);
    assertThat(ByteSize.parse("1T")).isEqualTo(1L << 40);
  }

  @Test
  void refusesNonSizes() {
    assertThatThrownBy(() -> ByteSize.parse("")).hasMessageContaining("is not a size");
    assertThatThrownBy(() -> ByteSize.parse("-1G")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> ByteSize.parse("1.5G")).hasMessageContaining("is not a size");
  }

  @Test
  void formatsWithTheLargestExactUnit() {
    assertThat(ByteSize.format(4L << 30)).isEqualTo("4G");
    assertThat(ByteSize.format(1536L << 20)).isEqualTo("1536M");
    assertThat(ByteSize.format(1000)).isEqualTo("1000");
  }
}
