package dev.quiver.storage;

/**
 * The distance functions Qdrant offers. For {@link #COSINE} and {@link #DOT} a larger score is
 * better; for {@link #EUCLID} and {@link #MANHATTAN} the score is the distance itself and a smaller
 * one is better, exactly as Qdrant reports it.
 */
public enum Distance {
  COSINE("Cosine"),
  EUCLID("Euclid"),
  DOT("Dot"),
  MANHATTAN("Manhattan");

  private final String wireName;

  Distance(String wireName) {
    this.wireName = wireName;
  }

  /** The name used by Qdrant's REST API ({@code "Cosine"}, ...). */
  public String wireName() {
    return wireName;
  }

  public boolean higherIsBetter() {
    return this == COSINE || this == DOT;
  }

  /** True when {@code score} passes {@code threshold} in this distance's order. */
  public boolean passes(float score, float threshold) {
    return higherIsBetter() ? score >= threshold : score <= threshold;
  }

  /** Compares scores so that the better one sorts first. */
  public int compareBetterFirst(float a, float b) {
    return higherIsBetter() ? Float.compare(b, a) : Float.compare(a, b);
  }

  /** Looks a distance up by its wire name, or returns null. */
  public static Distance fromWireName(String name) {
    for (Distance d : values()) {
      if (d.wireName.equals(name)) {
        return d;
      }
    }
    return null;
  }
}
