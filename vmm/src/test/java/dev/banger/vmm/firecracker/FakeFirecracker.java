package dev.banger.vmm.firecracker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * An executable that stands in for {@code firecracker} or {@code jailer}: a shell script that execs
 * a JVM running {@link FakeFirecrackerMain}, so the driver spawns, watches and kills a real
 * process. The script's pid is the JVM's.
 */
final class FakeFirecracker {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** What the fake does on SendCtrlAltDel. */
  enum OnCtrlAltDel {
    EXIT,
    IGNORE
  }

  private final Path binary;
  private final Path record;

  private FakeFirecracker(Path binary, Path record) {
    this.binary = binary;
    this.record = record;
  }

  /** Writes the script {@code dir/name} and returns the fake. */
  static FakeFirecracker create(Path dir, String name, OnCtrlAltDel onCtrlAltDel)
      throws IOException {
    return create(dir, name, onCtrlAltDel, List.of());
  }

  /** Like {@link #create(Path, String, OnCtrlAltDel)}, answering {@code hidden} as unknown. */
  static FakeFirecracker create(
      Path dir, String name, OnCtrlAltDel onCtrlAltDel, List<String> hidden) throws IOException {
    // The fake checks every request against Firecracker's description: without it, skip.
    Optional<String> missing = FirecrackerApiContract.missing();
    assumeTrue(missing.isEmpty(), missing.orElse(""));
    Files.createDirectories(dir);
    Path binary = dir.resolve(name);
    Path record = dir.resolve(name + ".requests.jsonl");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String script =
        """
        #!/bin/sh
        export FAKE_FC_RECORD='%s'
        export FAKE_FC_CTRL_ALT_DEL='%s'
        export FAKE_FC_HIDE='%s'
        exec '%s' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dbanger.root='%s' -cp '%s' %s "$@"
        """
            .formatted(
                record,
                onCtrlAltDel.name().toLowerCase(Locale.ROOT),
                String.join(",", hidden),
                java,
                System.getProperty("banger.root"),
                System.getProperty("java.class.path"),
                FakeFirecrackerMain.class.getName());
    Files.writeString(binary, script, StandardCharsets.UTF_8);
    binary.toFile().setExecutable(true, false);
    return new FakeFirecracker(binary, record);
  }

  /** A script that prints {@code message} and fails, like a binary that cannot start. */
  static Path failing(Path dir, String message) throws IOException {
    Files.createDirectories(dir);
    Path binary = dir.resolve("broken-firecracker");
    Files.writeString(binary, "#!/bin/sh\necho '" + message + "' >&2\nexit 1\n");
    binary.toFile().setExecutable(true, false);
    return binary;
  }

  Path binary() {
    return binary;
  }

  /** The requests the fake received, in order, with its answers. */
  List<JsonNode> requests() throws IOException {
    if (!Files.exists(record)) {
      return List.of();
    }
    return Files.readAllLines(record).stream().map(JSON::readTree).toList();
  }

  /** The requests the fake accepted, as "METHOD path" lines. */
  List<String> acceptedRequestLines() throws IOException {
    return requests().stream()
        .filter(r -> r.path("status").asInt() / 100 == 2)
        .map(r -> r.path("method").asString() + " " + r.path("path").asString())
        .toList();
  }
}
