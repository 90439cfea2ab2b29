package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class VmmSpecTest {
  private static VmmSpec.Builder minimal(String id) {
    return VmmSpec.builder(id)
        .kernel(Path.of("/k"))
        .runtimeDir(Path.of("/run/banger/vm"))
        .vmmBinary(Path.of("/usr/bin/qemu-system-x86_64"));
  }

  @Test
  void builderDefaultsTheSerialLogIntoTheRuntimeDirectory() {
    VmmSpec spec = minimal("brave-otter_1").build();

    assertThat(spec.serialLog()).isEqualTo(Path.of("/run/banger/vm/console.log"));
    assertThat(spec.vcpus()).isEqualTo(1);
    assertThat(spec.accel()).isEqualTo(VmmSpec.Accel.KVM);
    assertThat(spec.rootDisk()).isEmpty();
    assertThat(spec.network()).isEmpty();
  }

  @Test
  void vmIdWithCharactersOutsideTheRuleIsRejected() {
    assertThatThrownBy(() -> minimal("bad/id").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad/id");
    assertThatThrownBy(() -> minimal("x".repeat(65)).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nonPositiveSizesAreRejectedNamingTheVm() {
    assertThatThrownBy(() -> minimal("vm1").vcpus(0).build()).hasMessageContaining("vm1");
    assertThatThrownBy(() -> minimal("vm1").memoryMib(0).build()).hasMessageContaining("memory");
  }

  @Test
  void kernelArgumentsAndDisksAreCopied() {
    List<String> args = new java.util.ArrayList<>(List.of("rw"));
    VmmSpec spec = minimal("vm").kernelArgs(args).build();
    args.add("later");

    assertThat(spec.kernelArgs()).containsExactly("rw");
    assertThatThrownBy(() -> spec.kernelArgs().add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void networkPartsValidateThemselves() {
    assertThatThrownBy(() -> new MacAddress("02:00:00:00:00")).hasMessageContaining("MAC");
    assertThat(new MacAddress("02:AB:00:00:00:01").text()).isEqualTo("02:ab:00:00:00:01");
    assertThatThrownBy(
            () -> new VmmSpec.Tap("a-very-long-tap-name", new MacAddress("02:00:00:00:00:01")))
        .hasMessageContaining("15");
    assertThatThrownBy(() -> new VmmSpec.PortForward("127.0.0.1", 0, 22))
        .hasMessageContaining("1-65535");
    assertThatThrownBy(() -> new VmmSpec.Vsock(2, 10789)).hasMessageContaining("CID 2");
  }
}
