package dev.quiver.storage.internal.sparse;

import java.util.Arrays;

/**
 * One dimension's posting list on the heap, the newer part of a sparse index's lists: slots
 * ascending, their weights as float32, the weights' range over the list and, for lists of {@value
 * #WINDOWED} entries or more, over each window of slots ({@link SparseIndex#WINDOW_SHIFT}); and its
 * cursor for the MaxScore search.
 *
 * <p>Thread-safety: one writer appends; readers see a consistent prefix, as each entry is published
 * by the volatile size after it is written, and a grown array keeps the prefix.
 */
final class HeapPostings {
  /** Lists at least this long keep the weights' range of each window of slots. */
  static final int WINDOWED = SealedPostings.WINDOWED;

  private static final int[] NO_SLOTS = new int[0];
  private static final float[] NO_WEIGHTS = new float[0];

  private int[] slots = NO_SLOTS;
  private float[] weights = NO_WEIGHTS;
  private float max = Float.NEGATIVE_INFINITY;
  private float min = Float.POSITIVE_INFINITY;
  private float[] windowMax; // by window number; NaN where the window has no entry
  private float[] windowMin;
  private volatile int size;

  /** Live vectors with this dimension (the document frequency of the IDF modifier). */
  volatile int live;

  void add(int slot, float weight) {
    int n = size;
    if (n == slots.length) {
      int grown = n + (n >> 1) + 1;
      slots = Arrays.copyOf(slots, grown); // a reader holding the old array reads its prefix
      weights = Arrays.copyOf(weights, grown);
    }
    slots[n] = slot;
    weights[n] = weight;
    max = Math.max(max, weight);
    min = Math.min(min, weight);
    if (windowMax != null) {
      widen(slot, weight);
    } else if (n + 1 == WINDOWED) {
      for (int i = 0; i <= n; i++) {
        widen(slots[i], weights[i]);
      }
    }
    size = n + 1; // publishes the entry and the ranges above
  }

  private void widen(int slot, float weight) {
    int w = slot >>> SparseIndex.WINDOW_SHIFT;
    if (windowMax == null || w >= windowMax.length) {
      int length = Math.max(w + 1, windowMax == null ? 4 : windowMax.length * 2);
      float[] mx = windowMax == null ? new float[0] : windowMax;
      float[] mn = windowMin == null ? new float[0] : windowMin;
      float[] nextMax = Arrays.copyOf(mx, length);
      float[] nextMin = Arrays.copyOf(mn, length);
      Arrays.fill(nextMax, mx.length, length, Float.NaN);
      Arrays.fill(nextMin, mn.length, length, Float.NaN);
      windowMin = nextMin;
      windowMax = nextMax;
    }
    float mx = windowMax[w];
    windowMax[w] = Float.isNaN(mx) ? weight : Math.max(mx, weight);
    float mn = windowMin[w];
    windowMin[w] = Float.isNaN(mn) ? weight : Math.min(mn, weight);
  }

  int size() {
    return size;
  }

  int slot(int i) {
    return slots[i];
  }

  float weight(int i) {
    return weights[i];
  }

  /** The walk through this list for query weight {@code q}, or null while it is empty. */
  PostingCursor cursor(float q) {
    int n = size; // read first: arrays and ranges hold at least this many
    if (n == 0) {
      return null;
    }
    float bound = Math.max(q * max, q * min);
    float least = Math.min(q * max, q * min);
    return new HeapCursor(slots, weights, n, q, Math.max(0f, bound), least, windowMax, windowMin);
  }

  /** A query dimension's walk through its list on the heap. */
  private static final class HeapCursor extends PostingCursor {
    final int[] slots;
    final float[] weights;
    final int n;
    private final float[] windowMax;
    private final float[] windowMin;
    int pos;

    HeapCursor(
        int[] slots,
        float[] weights,
        int n,
        float q,
        float bound,
        float least,
        float[] windowMax,
        float[] windowMin) {
      super(q, bound, least, n, slots[0], slots[n - 1]);
      this.slots = slots;
      this.weights = weights;
      this.n = n;
      this.windowMax = windowMax;
      this.windowMin = windowMin;
    }

    @Override
    int lastSlot() {
      return slots[n - 1];
    }

    @Override
    void windowBound(int window) {
      if (pos >= n) {
        windowBound = 0;
      } else if (windowMax != null && window < windowMax.length && window < windowMin.length) {
        windowBound = rangeBound(windowMax[window], windowMin[window]);
      } else {
        windowBound = bound;
      }
    }

    @Override
    boolean before(int slot) {
      return pos < n && slots[pos] < slot;
    }

    @Override
    int accumulate(int start, int end, float[] partial, long[] seen) {
      int p = pos;
      if (seen == null) {
        while (p < n && slots[p] < end) {
          partial[slots[p] - start] += q * weights[p++];
        }
      } else {
        while (p < n && slots[p] < end) {
          int s = slots[p] - start;
          seen[s >>> 6] |= 1L << s;
          partial[s] += q * weights[p++];
        }
      }
      int read = p - pos;
      pos = p;
      return read;
    }

    @Override
    int addTo(int start, int[] cands, int m, float[] partial, float keep) {
      int kept = 0;
      for (int j = 0; j < m; j++) {
        int s = cands[j];
        int slot = start + s;
        probed += advance(slot);
        if (pos < n && slots[pos] == slot) {
          partial[s] += q * weights[pos];
        }
        if (partial[s] >= keep) {
          cands[kept++] = s;
        }
      }
      return kept;
    }

    /** By galloping. */
    @Override
    int advance(int slot) {
      if (pos >= n || slots[pos] >= slot) {
        return 1;
      }
      int step = 1;
      int lo = pos;
      int hi = pos + 1;
      int looked = 1;
      while (hi < n && slots[hi] < slot) {
        lo = hi;
        step <<= 1;
        hi = lo + step;
        looked++;
      }
      long found = firstAtLeast(slots, lo, Math.min(hi, n), slot);
      pos = (int) (found >>> 32);
      return looked + (int) found;
    }
  }
}
