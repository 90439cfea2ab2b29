package dev.banger.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RemoteShellCommandTest {

  @Test
  void aRealShellSeesExactlyTheWordsGiven() throws Exception {
    List<String> words =
        List.of("it's", "two words", "$HOME", "`id`", "a\"b", "back\\slash", "", "semi;colon");

    String line = VmCommand.remoteShellCommand(words);
    // ssh hands its command to the guest user's shell as one line; sh -c does the same here.
    Process sh =
        new ProcessBuilder("sh", "-c", "for w in " + line + "; do printf '<%s>' \"$w\"; done")
            .start();
    String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(sh.waitFor()).isZero();
    assertThat(out).isEqualTo("<it's><two words><$HOME><`id`><a\"b><back\\slash><><semi;colon>");
  }
}
