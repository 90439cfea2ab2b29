package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class KernelCommandLineTest {
  @Test
  void bangerParametersFollowTheDriverDefaults() {
    assertThat(KernelCommandLine.merge(List.of("console=ttyS0", "reboot=k"), List.of("rw")))
        .isEqualTo("console=ttyS0 reboot=k rw");
  }

  @Test
  void bangerParameterReplacesTheDriverDefaultOfTheSameName() {
    assertThat(
            KernelCommandLine.merge(
                List.of("panic=1", "console=ttyS0", "pci=off"), List.of("console=hvc0", "panic=5")))
        .isEqualTo("pci=off console=hvc0 panic=5");
  }

  @Test
  void flagWithoutValueIsMatchedByName() {
    assertThat(KernelCommandLine.merge(List.of("quiet", "ro"), List.of("ro")))
        .isEqualTo("quiet ro");
  }

  @Test
  void parameterWithWhitespaceIsRejectedBecauseTheKernelWouldSplitIt() {
    assertThatThrownBy(() -> KernelCommandLine.merge(List.of(), List.of("banger.hostname=a b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("banger.hostname=a b");
    assertThatThrownBy(() -> KernelCommandLine.merge(List.of(), List.of("")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
