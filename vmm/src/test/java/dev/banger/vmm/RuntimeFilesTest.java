package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeFilesTest {
  @TempDir Path tmp;

  @Test
  void removeAllDeletesOnlyWhatWasCreatedAndKeepsEarlierFiles() throws Exception {
    Path existing = Files.writeString(tmp.resolve("console.log"), "earlier boot");
    RuntimeFiles files = new RuntimeFiles();
    files.createDirectories(tmp.resolve("a/b"));
    files.createFileIfMissing(tmp.resolve("a/b/new.log"));
    files.createFileIfMissing(existing);
    files.track(tmp.resolve("a/b/vmm.sock"));

    files.removeAll();

    assertThat(tmp.resolve("a")).doesNotExist();
    assertThat(existing).hasContent("earlier boot");
  }

  @Test
  void directoryThatGainedForeignContentIsKept() throws Exception {
    RuntimeFiles files = new RuntimeFiles();
    files.createDirectories(tmp.resolve("run"));
    Files.writeString(tmp.resolve("run/someone-elses"), "x");

    files.removeAll();

    assertThat(tmp.resolve("run/someone-elses")).exists();
  }

  @Test
  void staleSocketIsRemovedButARegularFileIsRefused() throws Exception {
    Path socket = tmp.resolve("api.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
    }
    Path file = Files.writeString(tmp.resolve("qmp.sock"), "data");

    RuntimeFiles.removeStaleSocket(socket);
    RuntimeFiles.removeStaleSocket(tmp.resolve("absent.sock"));

    assertThat(socket).doesNotExist();
    assertThatThrownBy(() -> RuntimeFiles.removeStaleSocket(file))
        .isInstanceOf(VmmException.class)
        .hasMessageContaining("it is a file");
    assertThat(file).hasContent("data");
  }

  @Test
  void deleteTreeRemovesSymlinksWithoutFollowingThem() throws Exception {
    Path outside = Files.writeString(tmp.resolve("disk.img"), "keep");
    Path jail = Files.createDirectories(tmp.resolve("jail/root"));
    Files.createSymbolicLink(jail.resolve("link"), outside);
    Files.createSymbolicLink(jail.resolve("dirlink"), tmp);

    RuntimeFiles.deleteTree(tmp.resolve("jail"));

    assertThat(tmp.resolve("jail")).doesNotExist();
    assertThat(outside).hasContent("keep");
  }

  @Test
  void socketPathLongerThanSunPathIsRejected() {
    Path tooLong = tmp.resolve("x".repeat(120) + ".sock");

    assertThatThrownBy(() -> UnixSockets.requireFits(tooLong))
        .isInstanceOf(VmmException.class)
        .hasMessageContaining("at most 107");
  }
}
