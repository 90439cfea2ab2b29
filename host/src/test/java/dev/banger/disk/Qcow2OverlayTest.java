package dev.banger.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.hostos.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class Qcow2OverlayTest {
  private static final CommandRunner HOST = CommandRunner.onHost();

  @TempDir Path dir;
  private Path qemuImg;

  @BeforeEach
  void findQemuImg() {
    var found = Qcow2Overlay.findQemuImg(Path.of("/usr/bin/qemu-system-x86_64"));
    assumeTrue(found.isPresent(), "qemu-img (Debian's qemu-utils) is not installed");
    qemuImg = found.get();
  }

  @Test
  void overlayIsSmallBackedByTheBaseAndReadsItsFilesystem() throws Exception {
    Path base = DiskFixtures.ext4Image(dir, "base.ext4", 256L * 1024 * 1024, 4 * 1024 * 1024);

    RootDisk disk = new Qcow2Overlay(HOST, qemuImg).create(base, dir.resolve("vm"), "vm1");

    assertThat(disk.strategy()).isEqualTo(CowStrategy.QCOW2_OVERLAY);
    assertThat(disk.path()).isEqualTo(dir.resolve("vm/rootfs.qcow2"));
    JsonNode info =
        JsonMapper.builder()
            .build()
            .readTree(
                HOST.check(List.of(qemuImg.toString(), "info", "--output=json", disk.path() + ""))
                    .stdout());
    assertThat(info.path("format").asString()).isEqualTo("qcow2");
    assertThat(info.path("backing-filename").asString()).isEqualTo(base.toString());
    assertThat(info.path("backing-filename-format").asString()).isEqualTo("raw");
    assertThat(info.path("virtual-size").asLong()).isEqualTo(Files.size(base));
    assertThat(Files.size(disk.path())).isLessThan(1024 * 1024);
    // The guest's view through the overlay is the base's filesystem, block for block.
    Path flat = dir.resolve("flat.img");
    HOST.check(
        List.of(qemuImg.toString(), "convert", "-O", "raw", disk.path() + "", flat.toString()));
    assertThat(Files.mismatch(flat, base)).isEqualTo(-1L);
  }

  @Test
  void aMissingBaseIsNamedAndLeavesNoOverlay() {
    Path vmDir = dir.resolve("vm");

    assertThatThrownBy(
            () -> new Qcow2Overlay(HOST, qemuImg).create(dir.resolve("gone.ext4"), vmDir, "vm1"))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("gone.ext4");
    assertThat(vmDir.resolve(Qcow2Overlay.FILE_NAME)).doesNotExist();
  }

  @Test
  void aFailingQemuImgIsReportedAndLeavesNoOverlay() throws Exception {
    Path base = DiskFixtures.ext4Image(dir, "base.ext4", 16L * 1024 * 1024, 1024);
    Path vmDir = dir.resolve("vm");

    assertThatThrownBy(
            () -> new Qcow2Overlay(HOST, Path.of("/bin/false")).create(base, vmDir, "vm1"))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("could not create the qcow2 overlay");
    assertThat(vmDir.resolve(Qcow2Overlay.FILE_NAME)).doesNotExist();
  }
}
