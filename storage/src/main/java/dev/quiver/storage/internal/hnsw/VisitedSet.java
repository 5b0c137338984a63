package dev.quiver.storage.internal.hnsw;

import java.util.Arrays;

/**
 * The nodes a search has visited, as a bitset (one bit per node, so it stays in cache for large
 * graphs), cleared after each search by zeroing only the words it touched. Not thread-safe: one
 * search's.
 */
final class VisitedSet {
  private long[] bits = new long[0];
  private int[] touched = new int[64];
  private int touchedCount;

  void reset(int size) {
    for (int i = 0; i < touchedCount; i++) {
      bits[touched[i]] = 0;
    }
    touchedCount = 0;
    int words = (size >>> 6) + 1;
    if (bits.length < words) {
      bits = new long[Math.max(words, bits.length + (bits.length >> 1))];
    }
  }

  /** Whether {@code n} is marked (without marking it). */
  boolean seen(int n) {
    return (bits[n >>> 6] & (1L << n)) != 0;
  }

  /** Marks {@code n}; false if it was marked already. */
  boolean visit(int n) {
    int w = n >>> 6;
    long bit = 1L << n;
    long word = bits[w];
    if ((word & bit) != 0) {
      return false;
    }
    if (word == 0) {
      if (touchedCount == touched.length) {
        touched = Arrays.copyOf(touched, touchedCount * 2);
      }
      touched[touchedCount++] = w;
    }
    bits[w] = word | bit;
    return true;
  }
}
