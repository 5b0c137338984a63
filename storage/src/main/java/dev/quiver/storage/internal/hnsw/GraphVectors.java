package dev.quiver.storage.internal.hnsw;

import dev.quiver.storage.Distance;
import dev.quiver.storage.internal.vector.OffHeapVectors;
import dev.quiver.storage.internal.vector.SlotScorer;

/**
 * The vectors an {@link HnswIndex} links, as the graph needs them: scored against one another, one
 * node's vector taking the place of the query. Dense vectors are one kind ({@link #dense}); a
 * multivector space is another, whose similarity (MaxSim) need not be symmetric. Implementations
 * are thread-safe; each {@link NodeScorer} serves one thread.
 */
public interface GraphVectors {
  /** An upper bound of the node numbers (the slots handed out). */
  int size();

  /** A scorer for one thread, to be pointed at a node with {@link NodeScorer#at}. */
  NodeScorer nodeScorer();

  /**
   * A distance for {@code similarity}, as the relaxed diversity rule of the graph's neighbour
   * selection compares them (one distance against a multiple of another): zero or more, growing as
   * two vectors part. NaN where the similarity has no such form (MaxSim), and the rule is not
   * relaxed. This default: none.
   */
  default float separation(float similarity) {
    return Float.NaN;
  }

  /** Scores slots against the vector of the node it was last pointed at. Not thread-safe. */
  interface NodeScorer extends SlotScorer {
    /** Points this scorer at {@code node}'s vector; returns this. */
    NodeScorer at(int node);
  }

  /** Dense vectors compared by {@code distance}'s similarity. */
  static GraphVectors dense(OffHeapVectors vectors, Distance distance) {
    return new GraphVectors() {
      @Override
      public int size() {
        return vectors.size();
      }

      @Override
      public float separation(float similarity) {
        return switch (distance) {
          // the squared distance, and the L1 distance, are the negated similarities
          case EUCLID, MANHATTAN -> -similarity;
          // unit vectors: half the squared distance between them (for DOT a monotone stand-in;
          // vectors longer than one make it negative, where the rule is only stricter)
          case COSINE, DOT -> 1 - similarity;
        };
      }

      @Override
      public NodeScorer nodeScorer() {
        float[] query = new float[vectors.dim()];
        SlotScorer scorer = vectors.scorer(distance, query);
        return new NodeScorer() {
          @Override
          public NodeScorer at(int node) {
            vectors.copy(node, query);
            return this;
          }

          @Override
          public float score(int slot) {
            return scorer.score(slot);
          }

          @Override
          public void scores(int[] slots, int count, float[] out) {
            scorer.scores(slots, count, out);
          }
        };
      }
    };
  }
}
