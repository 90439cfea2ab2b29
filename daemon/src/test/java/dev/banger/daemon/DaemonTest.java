package dev.banger.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.api.Locations;
import dev.banger.daemon.config.Config;
import dev.banger.daemon.http.Route;
import dev.banger.daemon.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The whole daemon in a temporary state directory: real Jetty, real socket, real SQLite. */
class DaemonTest {
  private static Locations locations(Path dir) throws IOException {
    Locations l =
        new Locations(
            dir.resolve("state"), dir.resolve("run"), dir.resolve("config"), dir.resolve("cache"));
    Files.createDirectories(l.stateDir());
    Files.createDirectories(l.runtimeDir());
    return l;
  }

  private static String get(Path socket, String path) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(
          ByteBuffer.wrap(
              ("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + "\r\n")
                  .getBytes(StandardCharsets.US_ASCII)));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Channels.newInputStream(ch).transferTo(out);
      String response = out.toString(StandardCharsets.UTF_8);
      return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
  }

  @Test
  void servesAnEmptyVmListOnAFreshState(@TempDir Path dir) throws Exception {
    Locations l = locations(dir);
    try (StateLock lock = StateLock.acquire(l.lockFile());
        Daemon daemon = Daemon.start(l, Config.defaults(), lock)) {
      assertThat(get(l.socket(), "/v1/vms")).isEqualTo("[]");
      assertThat(get(l.socket(), "/v1/version")).contains("\"program\":\"bangerd\"");
    }
    assertThat(l.socket()).doesNotExist();
  }

  @Test
  void committedVmsSurviveARestart(@TempDir Path dir) throws Exception {
    Locations l = locations(dir);
    try (Store store = Store.open(l.stateDir().resolve("state.db"))) {
      store.update(
          "INSERT INTO vms (id, name, state, image, kernel, vmm, cpus, memory_mib,"
              + " disk_bytes, created_at, updated_at) VALUES ('abc123', 'brave-otter', 'stopped',"
              + " 'debian-bookworm', 'debian-cloud', 'qemu', 2, 1024, 4294967296, 't', 't')");
    }
    try (StateLock lock = StateLock.acquire(l.lockFile());
        Daemon daemon = Daemon.start(l, Config.defaults(), lock)) {
      assertThat(get(l.socket(), "/v1/vms/brave-otter"))
          .contains("\"id\":\"abc123\"")
          .contains("\"state\":\"stopped\"");
      assertThat(get(l.socket(), "/v1/vms/abc")).contains("\"name\":\"brave-otter\"");
      assertThat(get(l.socket(), "/v1/vms/nope"))
          .contains("\"code\":\"NOT_FOUND\"")
          .contains("'nope'");
    }
  }

  @Test
  void aSecondDaemonOnTheSameStateIsRefused(@TempDir Path dir) throws Exception {
    Locations l = locations(dir);
    try (StateLock lock = StateLock.acquire(l.lockFile())) {
      assertThatThrownBy(() -> StateLock.acquire(l.lockFile()))
          .isInstanceOf(StateLock.HeldException.class)
          .hasMessageContaining("another bangerd (pid " + ProcessHandle.current().pid() + ")");
    }
    StateLock.acquire(l.lockFile()).close();
  }

  @Test
  void servedRoutesAreExactlyTheDocumentedOnes(@TempDir Path dir) throws Exception {
    Locations l = locations(dir);
    Set<String> served = new HashSet<>();
    try (StateLock lock = StateLock.acquire(l.lockFile());
        Daemon daemon = Daemon.start(l, Config.defaults(), lock)) {
      for (Route r : daemon.routes()) {
        served.add(r.method() + " " + r.template());
      }
    }
    Set<String> documented = new HashSet<>();
    JsonNode spec = new YAMLMapper().readTree(getClass().getResourceAsStream("/openapi.yaml"));
    for (Iterator<Map.Entry<String, JsonNode>> paths = spec.path("paths").properties().iterator();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> p = paths.next();
      for (String method : p.getValue().propertyNames()) {
        documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + p.getKey());
      }
    }

    assertThat(served).isNotEmpty().isEqualTo(documented);
  }
}
