package dev.banger.disk;

import static dev.banger.disk.DiskFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.hostos.CommandRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Ext4FilesTest {
  private static final CommandRunner HOST = CommandRunner.onHost();
  private static final String KEY =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBanGerTestKeyOnlyForTestsXXXXXXXXXXXXXXXXX banger";

  private final Ext4Files files = new Ext4Files(HOST);

  @TempDir Path dir;
  private Path image;

  @BeforeEach
  void makeImage() throws Exception {
    image = DiskFixtures.ext4Image(dir, "rootfs.ext4", 32L * 1024 * 1024, 1024);
  }

  @Test
  void authorizedKeyIsWrittenWithSshModesAndReadBack() throws Exception {
    files.authorizeSshKey(image, KEY + "\n");

    assertThat(
            new String(files.readFile(image, "/root/.ssh/authorized_keys"), StandardCharsets.UTF_8))
        .isEqualTo(KEY + "\n");
    assertThat(files.stat(image, "/root/.ssh"))
        .hasValueSatisfying(
            dir -> {
              assertThat(dir.isDirectory()).isTrue();
              assertThat(dir.permissions()).isEqualTo(0700);
              assertThat(dir.uid()).isZero();
            });
    assertThat(files.stat(image, "/root/.ssh/authorized_keys"))
        .hasValueSatisfying(
            file -> {
              assertThat(file.isRegularFile()).isTrue();
              assertThat(file.permissions()).isEqualTo(0600);
              assertThat(file.size()).isEqualTo(KEY.length() + 1);
            });
    assertConsistent();
  }

  @Test
  void authorizingTheSameKeyTwiceKeepsOneLineAndOtherKeysStay() throws Exception {
    files.makeDirectories(image, "/root/.ssh", GuestFileAttributes.root(0700));
    files.writeFile(
        image,
        "/root/.ssh/authorized_keys",
        utf8("ssh-rsa AAAAother admin"),
        GuestFileAttributes.root(0600));

    files.authorizeSshKey(image, KEY);
    files.authorizeSshKey(image, KEY);

    assertThat(
            new String(files.readFile(image, "/root/.ssh/authorized_keys"), StandardCharsets.UTF_8))
        .isEqualTo("ssh-rsa AAAAother admin\n" + KEY + "\n");
    assertConsistent();
  }

  @Test
  void fileIsWrittenWithOwnerAndModeAndReplacedOnRewrite() throws Exception {
    files.makeDirectories(image, "/home/dev/project", new GuestFileAttributes(0750, 1000, 1000));
    GuestFileAttributes owned = new GuestFileAttributes(0640, 1000, 100);

    files.writeFile(image, "/home/dev/project/notes.txt", utf8("first version, long"), owned);
    files.writeFile(image, "/home/dev/project/notes.txt", utf8("second"), owned);

    assertThat(files.readFile(image, "/home/dev/project/notes.txt")).isEqualTo(utf8("second"));
    assertThat(files.stat(image, "/home/dev/project/notes.txt"))
        .hasValueSatisfying(
            file -> {
              assertThat(file.permissions()).isEqualTo(0640);
              assertThat(file.uid()).isEqualTo(1000);
              assertThat(file.gid()).isEqualTo(100);
            });
    assertThat(files.stat(image, "/home/dev"))
        .hasValueSatisfying(d -> assertThat(d.uid()).isEqualTo(1000));
    assertConsistent();
  }

  @Test
  void existingParentsAreLeftAsTheyAre() throws Exception {
    files.makeDirectories(image, "/etc/banger", GuestFileAttributes.root(0700));

    assertThat(files.stat(image, "/etc"))
        .hasValueSatisfying(etc -> assertThat(etc.permissions()).isEqualTo(0755));
    assertThat(files.stat(image, "/etc/banger"))
        .hasValueSatisfying(d -> assertThat(d.permissions()).isEqualTo(0700));
  }

  @Test
  void fileMadeByMkfsIsReadable() throws Exception {
    assertThat(files.readFile(image, "/etc/hostname")).isEqualTo(utf8("banger-test\n"));
    assertThat(files.stat(image, "/nope")).isEmpty();
  }

  @Test
  void readingAMissingFileNamesItAndTheImage() {
    assertThatThrownBy(() -> files.readFile(image, "/etc/shadow-missing"))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("/etc/shadow-missing")
        .hasMessageContaining(image.toString());
  }

  @Test
  void writingIntoAMissingDirectoryFailsWithoutChangingTheImage() throws Exception {
    assertThatThrownBy(
            () ->
                files.writeFile(
                    image, "/no/such/dir/file", utf8("x"), GuestFileAttributes.root(0644)))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("/no/such/dir");
    assertThat(files.stat(image, "/no")).isEmpty();
  }

  @Test
  void directoryCannotBeMadeThroughAFile() {
    assertThatThrownBy(
            () -> files.makeDirectories(image, "/etc/hostname/sub", GuestFileAttributes.root(0755)))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("'/etc/hostname' exists and is a regular");
  }

  @Test
  void pathsDebugfsWouldMisreadAreRejected() {
    for (String bad :
        new String[] {"relative/path", "/with space", "/a/../b", "/quote\"d", "/a/"}) {
      assertThatThrownBy(() -> files.stat(image, bad))
          .as(bad)
          .isInstanceOf(DiskException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void multiLineKeyIsRejected() {
    assertThatThrownBy(() -> files.authorizeSshKey(image, KEY + "\n" + KEY))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("one public key line");
  }

  @Test
  void batchMakesDirectoriesFilesAndLinksInOnePassAndReplacesThemOnTheNext() throws Exception {
    String unit = "/etc/systemd/system/agent.service";
    String link = "/etc/systemd/system/multi-user.target.wants/agent.service";
    // A file first, so that the directories after it are made from another current directory.
    List<Ext4Change> changes =
        List.of(
            new Ext4Change.File("/etc/first", utf8("1"), GuestFileAttributes.root(0644)),
            new Ext4Change.Directory("/usr/local/bin", GuestFileAttributes.root(0755)),
            new Ext4Change.File("/usr/local/bin/agent", utf8("v1"), GuestFileAttributes.root(0755)),
            new Ext4Change.Directory(
                "/etc/systemd/system/multi-user.target.wants", GuestFileAttributes.root(0755)),
            new Ext4Change.File(unit, utf8("[Unit]"), GuestFileAttributes.root(0644)),
            new Ext4Change.Symlink(link, unit));

    files.apply(image, changes);
    files.apply(
        image,
        List.of(
            new Ext4Change.File("/usr/local/bin/agent", utf8("v2"), GuestFileAttributes.root(0755)),
            new Ext4Change.Symlink(link, unit)));

    assertThat(new String(files.readFile(image, "/usr/local/bin/agent"), StandardCharsets.UTF_8))
        .isEqualTo("v2");
    assertThat(files.stat(image, "/usr/local/bin/agent"))
        .hasValueSatisfying(agent -> assertThat(agent.permissions()).isEqualTo(0755));
    assertThat(files.statAll(image, List.of(link, unit, "/usr/local/bin")))
        .hasEntrySatisfying(link, entry -> assertThat(entry.type()).isEqualTo("symlink"))
        .hasEntrySatisfying(unit, entry -> assertThat(entry.isRegularFile()).isTrue())
        .hasEntrySatisfying("/usr/local/bin", entry -> assertThat(entry.isDirectory()).isTrue());
    assertThat(HOST.check(List.of("debugfs", "-R", "stat " + link, image.toString())).stdout())
        .contains("Fast link dest: \"" + unit + "\"");
    assertConsistent();
  }

  @Test
  void batchWithAPathInTheWayWritesNothing() throws Exception {
    List<Ext4Change> changes =
        List.of(
            new Ext4Change.File("/etc/first", utf8("x"), GuestFileAttributes.root(0644)),
            new Ext4Change.Symlink("/etc", "/elsewhere"));

    assertThatThrownBy(() -> files.apply(image, changes))
        .isInstanceOf(DiskException.class)
        .hasMessageContaining("cannot link '/etc'")
        .hasMessageContaining("directory");
    assertThat(files.stat(image, "/etc/first")).isEmpty();
  }

  @Test
  void statAllReportsOnlyWhatExists() throws Exception {
    assertThat(files.statAll(image, List.of("/etc", "/etc/hostname", "/nope", "/etc/hostname/x")))
        .containsOnlyKeys("/etc", "/etc/hostname");
  }

  private void assertConsistent() throws Exception {
    HOST.check(List.of("e2fsck", "-f", "-n", image.toString()));
  }
}
