package dev.quiver.storage;

import dev.quiver.storage.internal.vector.VectorMath;

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

  /**
   * The score Qdrant reports for {@code query} against {@code stored} (for {@link #COSINE} both
   * must be unit length: see {@link #prepare}).
   */
  public float score(float[] query, float[] stored) {
    return VectorMath.score(this, query, stored);
  }

  /**
   * A similarity where larger is better, as Qdrant's example-based scorers use it: the dot product
   * for {@link #COSINE} and {@link #DOT}, the negated squared distance for {@link #EUCLID}, the
   * negated distance for {@link #MANHATTAN}.
   */
  public float similarity(float[] a, float[] b) {
    return switch (this) {
      case COSINE, DOT -> VectorMath.dot(a, b);
      case EUCLID -> -VectorMath.l2Squared(a, b);
      case MANHATTAN -> -VectorMath.l1(a, b);
    };
  }

  /**
   * A vector as it is compared with stored ones: a unit-length copy for {@link #COSINE} (stored
   * vectors are normalised on write), {@code v} itself otherwise.
   */
  public float[] prepare(float[] v) {
    if (this != COSINE) {
      return v;
    }
    float[] copy = v.clone();
    VectorMath.normalize(copy);
    return copy;
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
