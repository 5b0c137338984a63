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
