package dev.quiver.storage.internal.vector;

/**
 * Scores slots against one query: larger is better, in the similarity space of the query's distance
 * (see {@link OffHeapVectors#similarity}). A graph walk asks a scorer for its scores, so that the
 * same walk runs over full vectors or over quantized codes. One scorer serves one query on one
 * thread; not thread-safe.
 */
public interface SlotScorer {
  float score(int slot);

  /** Scores {@code count} slots into {@code out}; implementations batch the memory accesses. */
  default void scores(int[] slots, int count, float[] out) {
    for (int i = 0; i < count; i++) {
      out[i] = score(slots[i]);
    }
  }
}
