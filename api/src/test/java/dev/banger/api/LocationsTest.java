package dev.banger.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocationsTest {
  private static final Path HOME = Path.of("/home/ada");

  @Test
  void rootUsesSystemDirectories() {
    Locations l = Locations.fromEnvironment(Map.of(), 0, Path.of("/root"));

    assertThat(l.stateDir()).isEqualTo(Path.of("/var/lib/banger"));
    assertThat(l.runtimeDir()).isEqualTo(Path.of("/run/banger"));
    assertThat(l.cacheDir()).isEqualTo(Path.of("/var/cache/banger"));
    assertThat(l.configDir()).isEqualTo(Path.of("/root/.config/banger"));
    assertThat(l.socket()).isEqualTo(Path.of("/run/banger/bangerd.sock"));
  }

  @Test
  void usersGetXdgDirectories() {
    Locations l =
        Locations.fromEnvironment(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), 1000, HOME);

    assertThat(l.stateDir()).isEqualTo(Path.of("/home/ada/.local/state/banger"));
    assertThat(l.runtimeDir()).isEqualTo(Path.of("/run/user/1000/banger"));
    assertThat(l.cacheDir()).isEqualTo(Path.of("/home/ada/.cache/banger"));
    assertThat(l.configFile()).isEqualTo(Path.of("/home/ada/.config/banger/config.toml"));
  }

  @Test
  void withoutAnXdgRuntimeDirUsersGetAPrivateTmpDirectory() {
    assertThat(Locations.fromEnvironment(Map.of(), 1000, HOME).runtimeDir())
        .isEqualTo(Path.of("/tmp/banger-1000"));
  }

  @Test
  void bangerVariablesOverrideEverything() {
    Locations l =
        Locations.fromEnvironment(
            Map.of(
                "BANGER_STATE_DIR",
                "/s",
                "BANGER_RUNTIME_DIR",
                "/r",
                "BANGER_CONFIG_DIR",
                "/c",
                "BANGER_CACHE_DIR",
                "/k",
                "XDG_STATE_HOME",
                "/ignored"),
            0,
            HOME);

    assertThat(l)
        .isEqualTo(new Locations(Path.of("/s"), Path.of("/r"), Path.of("/c"), Path.of("/k")));
    assertThat(l.lockFile()).isEqualTo(Path.of("/s/bangerd.lock"));
    assertThat(l.logFile()).isEqualTo(Path.of("/s/bangerd.log"));
  }
}
