package dev.banger.daemon.namegen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NameGeneratorTest {
  @Test
  void namesAreAdjectiveNounAndValid() {
    String name = new NameGenerator(new Random(1)).next(n -> false);

    assertThat(name).matches("[a-z]+-[a-z]+");
    assertThat(NameGenerator.isValid(name)).isTrue();
  }

  @Test
  void neverReturnsATakenName() {
    NameGenerator gen = new NameGenerator(new Random(7));
    Set<String> taken = new HashSet<>();
    for (int i = 0; i < 3000; i++) {
      String name = gen.next(taken::contains);
      assertThat(taken.add(name)).as("duplicate %s", name).isTrue();
    }
    assertThat(taken).hasSize(3000);
  }

  @Test
  void numbersNamesWhenEveryPlainNameIsTaken() {
    String name = new NameGenerator(new Random(3)).next(n -> !n.matches(".*-\\d+"));

    assertThat(name).matches("[a-z]+-[a-z]+-2");
  }

  @Test
  void thereAreEnoughDistinctNames() {
    assertThat(NameGenerator.distinctNames()).isGreaterThan(3000);
  }

  @Test
  void validatesUserGivenNames() {
    assertThat(NameGenerator.isValid("web-1")).isTrue();
    assertThat(NameGenerator.isValid("Web")).isFalse();
    assertThat(NameGenerator.isValid("-web")).isFalse();
    assertThat(NameGenerator.isValid("web_1")).isFalse();
    assertThat(NameGenerator.isValid("a".repeat(64))).isFalse();
  }
}
