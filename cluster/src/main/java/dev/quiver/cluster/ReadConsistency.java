package dev.quiver.cluster;

/**
 * How fresh a read must be: Qdrant's {@code consistency} / {@code read_consistency} parameter.
 * Quiver answers {@link #ONE} from a single replica (the local one when this node holds it), and
 * every stronger level with a linearizable read (an empty entry committed through the shard's Raft
 * leader, then a read as of that entry), which sees every write acknowledged before the read began,
 * as a read from a majority or from all replicas would.
 */
public enum ReadConsistency {
  /** One replica answers; the default. */
  ONE,
  /**
   * A majority-confirmed, linearizable read ({@code majority}, {@code quorum}, {@code all}, N > 1).
   */
  LINEARIZABLE;

  /**
   * Parses Qdrant's values: an integer N ≥ 1, {@code majority}, {@code quorum} or {@code all}; null
   * for anything else.
   */
  public static ReadConsistency parse(String value) {
    if (value == null) {
      return ONE;
    }
    return switch (value) {
      case "majority", "quorum", "all" -> LINEARIZABLE;
      default -> {
        try {
          long n = Long.parseLong(value);
          yield n < 1 ? null : n == 1 ? ONE : LINEARIZABLE;
        } catch (NumberFormatException e) {
          yield null;
        }
      }
    };
  }
}
