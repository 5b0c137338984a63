package dev.quiver.server.query;

import java.util.List;

/**
 * How examples score a candidate: Qdrant's {@code best_score} and {@code sum_scores} strategies and
 * its scaled fast sigmoid. Stateless, so thread-safe.
 */
final class ExampleScores {
  private ExampleScores() {}

  /** What attracts candidates, and how a candidate's vector is scored (larger is better). */
  record Scorer<V>(List<V> attract, FloatFunction<V> score) {}

  @FunctionalInterface
  interface FloatFunction<V> {
    float applyAsFloat(V v);
  }

  /** Qdrant's {@code best_score}: the best positive similarity, or minus the best negative one. */
  static <V> float bestScore(VectorKind<V> kind, V v, List<V> pos, List<V> neg) {
    float bestPos = Float.NEGATIVE_INFINITY;
    for (V p : pos) {
      bestPos = Math.max(bestPos, kind.similarity(v, p));
    }
    float bestNeg = Float.NEGATIVE_INFINITY;
    for (V n : neg) {
      bestNeg = Math.max(bestNeg, kind.similarity(v, n));
    }
    return bestPos > bestNeg ? scaledSigmoid(bestPos) : -scaledSigmoid(bestNeg);
  }

  /** Qdrant's {@code sum_scores}: the positive similarities minus the negative ones. */
  static <V> float sumScores(VectorKind<V> kind, V v, List<V> pos, List<V> neg) {
    float sum = 0;
    for (V p : pos) {
      sum += kind.similarity(v, p);
    }
    for (V n : neg) {
      sum -= kind.similarity(v, n);
    }
    return sum;
  }

  static float sigmoid(float x) {
    return x / (1f + Math.abs(x));
  }

  /** Qdrant's scaled fast sigmoid: into (0, 1), order kept. */
  static float scaledSigmoid(float x) {
    return 0.5f * (sigmoid(x) + 1f);
  }
}
