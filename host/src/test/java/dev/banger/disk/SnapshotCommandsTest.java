package dev.banger.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SnapshotCommandsTest {
  private static final long GIB = 1024L * 1024 * 1024;

  @Test
  void tableIsAPersistentSnapshotOfTheBaseOverTheCowDevice() {
    String table =
        SnapshotCommands.table(
            SnapshotCommands.sectors(GIB), Path.of("/dev/loop3"), Path.of("/dev/loop4"));

    assertThat(table).isEqualTo("0 2097152 snapshot /dev/loop3 /dev/loop4 P 8");
  }

  @Test
  void sizeThatIsNotWholeSectorsIsRejectedNamingIt() {
    assertThatThrownBy(() -> SnapshotCommands.sectors(GIB + 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Long.toString(GIB + 100))
        .hasMessageContaining("512");
    assertThatThrownBy(() -> SnapshotCommands.sectors(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cowFileHoldsEveryChunkPlusExceptionMetadataInWholeChunks() {
    for (long image : new long[] {512, 64L * 1024 * 1024, GIB, 8 * GIB, 8 * GIB + 4096}) {
      long cow = SnapshotCommands.cowBytes(image);
      long metadata = image / 4096 * 16; // one 16-byte exception per rewritten 4 KiB chunk

      assertThat(cow).as("cow for %d", image).isGreaterThanOrEqualTo(image + metadata + 4096);
      assertThat(cow % 4096).isZero();
    }
  }

  @Test
  void loopAndDmsetupCommandLines() {
    Path image = Path.of("/var/lib/banger/vms/abc/rootfs.base");

    assertThat(SnapshotCommands.attachReadOnly(image))
        .containsExactly("losetup", "--find", "--show", "--read-only", image.toString());
    assertThat(SnapshotCommands.attach(Path.of("/v/abc/rootfs.cow")))
        .containsExactly("losetup", "--find", "--show", "/v/abc/rootfs.cow");
    assertThat(SnapshotCommands.create("banger-abc", "0 8 snapshot /dev/loop0 /dev/loop1 P 8"))
        .containsExactly(
            "dmsetup", "create", "banger-abc", "--table", "0 8 snapshot /dev/loop0 /dev/loop1 P 8");
    assertThat(SnapshotCommands.remove("banger-abc"))
        .containsExactly("dmsetup", "remove", "--retry", "banger-abc");
    assertThat(SnapshotCommands.detach(Path.of("/dev/loop1")))
        .containsExactly("losetup", "--detach", "/dev/loop1");
    assertThat(SnapshotCommands.devicePath("banger-abc"))
        .isEqualTo(Path.of("/dev/mapper/banger-abc"));
  }
}
