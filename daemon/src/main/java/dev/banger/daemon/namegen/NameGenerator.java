package dev.banger.daemon.namegen;

import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Makes readable VM names in the adjective-noun style ({@code brave-otter}), checked against the
 * names already taken. After a number of collisions it adds a number ({@code brave-otter-2}) so it
 * always ends. Thread-safe when its random generator is.
 */
public final class NameGenerator {
  private static final List<String> ADJECTIVES =
      List.of(
          "able", "agile", "amber", "ample", "bold", "brave", "brisk", "calm", "clever", "cosy",
          "crisp", "daring", "deft", "eager", "early", "fair", "fast", "fierce", "fond", "gentle",
          "glad", "golden", "grand", "happy", "hardy", "honest", "jolly", "keen", "kind", "lively",
          "lucid", "lucky", "merry", "mighty", "modest", "neat", "nimble", "noble", "patient",
          "plucky", "polite", "proud", "quick", "quiet", "rapid", "ready", "robust", "rosy",
          "rustic", "sharp", "shiny", "silent", "sleek", "smart", "snug", "solid", "spry", "steady",
          "stout", "sunny", "swift", "tidy", "tough", "trusty", "vivid", "warm", "wise", "witty",
          "zesty");
  private static final List<String> NOUNS =
      List.of(
          "alpaca", "badger", "beaver", "bison", "cheetah", "condor", "coyote", "crane", "dingo",
          "dolphin", "eagle", "falcon", "ferret", "finch", "fox", "gecko", "gibbon", "heron",
          "hippo", "ibex", "jackal", "jaguar", "koala", "lemur", "lynx", "magpie", "marmot",
          "marten", "meerkat", "mink", "moose", "narwhal", "newt", "ocelot", "orca", "osprey",
          "otter", "owl", "panda", "panther", "pelican", "puffin", "quail", "rabbit", "raven",
          "robin", "salmon", "seal", "sparrow", "stoat", "swan", "tapir", "tiger", "toucan",
          "turtle", "viper", "walrus", "weasel", "whale", "wolf", "wombat", "yak", "zebra");
  private static final int TRIES_BEFORE_NUMBERING = 32;

  private final RandomGenerator random;

  /** A generator with its own random source. */
  public NameGenerator() {
    this(new Random());
  }

  /** A generator over {@code random}, for repeatable tests. */
  public NameGenerator(RandomGenerator random) {
    this.random = random;
  }

  /** A name for which {@code taken} is false. */
  public String next(Predicate<String> taken) {
    String base = "";
    for (int i = 0; i < TRIES_BEFORE_NUMBERING; i++) {
      base = pick(ADJECTIVES) + "-" + pick(NOUNS);
      if (!taken.test(base)) {
        return base;
      }
    }
    for (int n = 2; ; n++) {
      String numbered = base + "-" + n;
      if (!taken.test(numbered)) {
        return numbered;
      }
    }
  }

  /** How many distinct names exist before numbering starts. */
  public static int distinctNames() {
    return ADJECTIVES.size() * NOUNS.size();
  }

  /** Whether {@code name} is a valid VM name: lowercase letters, digits and dashes. */
  public static boolean isValid(String name) {
    return name.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  }

  private String pick(List<String> words) {
    return words.get(random.nextInt(words.size()));
  }
}
