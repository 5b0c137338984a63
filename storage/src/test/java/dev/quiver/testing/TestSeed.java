package dev.quiver.testing;

/**
 * The seed of a randomized test: {@code -Dtests.seed=N} replays a run (every randomized test of the
 * build takes it), else a fresh one. The seed is printed with the test's name and the flag that
 * replays it, so a failure in CI can be run again as it happened. Stateless; thread-safe.
 */
public final class TestSeed {
  /** The system property that fixes the seed. */
  public static final String PROPERTY = "tests.seed";

  private TestSeed() {}

  /** The seed for {@code test} (printed). */
  public static long of(String test) {
    Long given = Long.getLong(PROPERTY);
    long seed = given != null ? given : System.nanoTime();
    System.out.println(test + " seed " + seed + " (replay: -D" + PROPERTY + "=" + seed + ")");
    return seed;
  }
}
