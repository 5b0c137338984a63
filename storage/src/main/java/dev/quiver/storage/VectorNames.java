package dev.quiver.storage;

/**
 * The rule for the names of a collection's dense and sparse vectors: at most {@link #MAX_LENGTH}
 * characters, no control characters. The engine checks it when a configuration is built (names are
 * written into the collection's metadata file and the Raft log), and the edges check first to
 * answer with a validation error. Stateless (static methods only), so thread-safe.
 */
public final class VectorNames {
  public static final int MAX_LENGTH = 255;

  private VectorNames() {}

  /** The problem with {@code name}, or null when it is a valid vector name. */
  public static String problem(String name) {
    if (name == null || name.length() > MAX_LENGTH) {
      return "length must be at most " + MAX_LENGTH;
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      return "must not contain control characters";
    }
    return null;
  }
}
