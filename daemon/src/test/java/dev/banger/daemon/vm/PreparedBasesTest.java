package dev.banger.daemon.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.api.ImageView;
import dev.banger.disk.Ext4Files;
import dev.banger.disk.RootDiskFactory;
import dev.banger.hostos.CommandRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prepared bases on real ext4 images, set up by the real {@code debugfs}. */
class PreparedBasesTest {
  private static final CommandRunner HOST = CommandRunner.onHost();

  @TempDir Path dir;
  private Path basesDir;
  private Path agent;
  private SshKeys keys;
  private PreparedBases bases;

  @BeforeEach
  void setUp() throws Exception {
    basesDir = dir.resolve("state/bases");
    agent = Files.writeString(dir.resolve("banger-vsock-agent"), "#!/bin/sh\nexit 0\n");
    keys = new SshKeys(Optional.empty(), dir.resolve("config"));
    bases = bases(agent);
  }

  private PreparedBases bases(Path agentBinary) {
    Ext4Files ext4 = new Ext4Files(HOST);
    return new PreparedBases(
        basesDir, new RootDiskFactory(HOST), new GuestSetup(ext4, agentBinary), agentBinary, keys);
  }

  @Test
  void aBaseIsMadeOnceWithTheKeyAndTheAgentAndTheImageIsLeftAlone() throws Exception {
    ImageView image = image("plain", withSystemd(false));
    byte[] before = Files.readAllBytes(Path.of(image.rootfs()));

    PreparedBases.Base first = bases.prepare(image);
    PreparedBases.Base again = bases.prepare(image);

    assertThat(again).isEqualTo(first);
    assertThat(first.path().getParent()).isEqualTo(basesDir);
    assertThat(first.setup().agentInstalled()).isTrue();
    assertThat(first.setup().init()).hasValue(GuestSetup.AGENT_PATH);
    Ext4Files ext4 = new Ext4Files(HOST);
    assertThat(
            new String(ext4.readFile(first.path(), GuestSetup.AGENT_PATH), StandardCharsets.UTF_8))
        .startsWith("#!/bin/sh");
    assertThat(
            new String(
                ext4.readFile(first.path(), "/root/.ssh/authorized_keys"), StandardCharsets.UTF_8))
        .isEqualTo(keys.publicKey().strip() + "\n");
    assertThat(Files.readAllBytes(Path.of(image.rootfs()))).isEqualTo(before);
    try (var files = Files.list(basesDir)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .as("a base and its setup file, nothing partial")
          .hasSize(2)
          .noneMatch(name -> name.startsWith("."));
    }
  }

  @Test
  void anImageWithSystemdGetsTheAgentUnitEnabledAndBootsItsOwnInit() throws Exception {
    PreparedBases.Base base = bases.prepare(image("systemd", withSystemd(true)));

    assertThat(base.setup().agentInstalled()).isTrue();
    assertThat(base.setup().init()).isEmpty();
    assertThat(
            new Ext4Files(HOST)
                .statAll(
                    base.path(),
                    List.of(
                        "/etc/systemd/system/banger-vsock-agent.service",
                        "/etc/systemd/system/multi-user.target.wants/banger-vsock-agent.service")))
        .hasSize(2);
  }

  @Test
  void aChangedImageOrAgentMakesANewBaseAndCollectKeepsOnlyWhatIsNeeded() throws Exception {
    ImageView image = image("img", withSystemd(true));
    Path first = bases.prepare(image).path();
    Files.setLastModifiedTime(
        Path.of(image.rootfs()), FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    Path second = bases.prepare(image).path();
    Path otherAgent = Files.writeString(dir.resolve("agent-2"), "#!/bin/sh\nexit 2\n");
    Path third = bases(otherAgent).prepare(image).path();
    Path partial = Files.writeString(basesDir.resolve(".left-from-a-crash.img.partial"), "x");

    assertThat(List.of(first, second, third)).doesNotHaveDuplicates();

    // The second base is the image's current one here; a VM still reads the first.
    bases.collect(List.of(image), Set.of(first), false);
    assertThat(first).exists();
    assertThat(second).exists();
    assertThat(third).doesNotExist();
    assertThat(partial).as("only a daemon start removes partial bases").exists();

    bases.collect(List.of(), Set.of(), true);
    try (var files = Files.list(basesDir)) {
      assertThat(files).isEmpty();
    }
  }

  private Path withSystemd(boolean systemd) throws Exception {
    Path content = Files.createDirectories(dir.resolve("content-" + systemd));
    Files.createDirectories(content.resolve("etc"));
    Files.writeString(content.resolve("etc/hostname"), "guest\n");
    if (systemd) {
      Path lib = Files.createDirectories(content.resolve("usr/lib/systemd"));
      Files.writeString(lib.resolve("systemd"), "not really systemd\n");
      Files.createDirectories(content.resolve("etc/systemd/system"));
    }
    return content;
  }

  private ImageView image(String name, Path content) throws Exception {
    Path rootfs = dir.resolve(name + ".ext4");
    HOST.check(
        List.of("mkfs.ext4", "-q", "-F", "-d", content.toString(), rootfs.toString(), "32M"));
    return new ImageView(
        name, false, rootfs.toString(), "", "k", "1", "x86_64", "test", 0, "", List.of());
  }
}
