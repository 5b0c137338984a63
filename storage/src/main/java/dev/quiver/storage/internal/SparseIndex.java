package dev.quiver.storage.internal;

import dev.quiver.storage.RequestScope;
import dev.quiver.storage.SparseVector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;

/**
 * The inverted index of one sparse vector space: for each dimension, the slots whose vector has it
 * and their weights, in ascending slot order (slots are handed out in ascending order, and a
 * rebuild walks them in order). A query reads only the lists of its own dimensions and finds the
 * exact top k with MaxScore: lists are ordered by how much they can add at most, the lists that
 * alone cannot lift a point into the top k are only probed for points the others found, and a point
 * is dropped as soon as what its remaining lists can add at most leaves it below the k-th best
 * score.
 *
 * <p>Thread-safety: one writer (the shard's apply path) appends and rebuilds; searches run
 * concurrently without locks. A list is append-only with a volatile length published after each
 * entry, so a reader sees a consistent prefix; a rebuild publishes a new map of lists.
 */
final class SparseIndex {

  /** Slots per window: a search's unit of work, and the span of a list's window bounds. */
  static final int WINDOW_SHIFT = 12;

  private static final int WINDOW = 1 << WINDOW_SHIFT;

  /** A search's window buffers, one set per thread, zeroed again by each search that used it. */
  private static final class Scratch {
    final float[] partial = new float[WINDOW];
    final long[] seen = new long[WINDOW / 64];
    final int[] candSlots = new int[WINDOW];
    final float[] candScores = new float[WINDOW];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** Lists at least this long keep the weights' range of each window of slots. */
  private static final int WINDOWED = 256;

  /**
   * One dimension's postings: slots ascending, their weights, the weights' range over the list and,
   * for long lists, over each window of {@link #WINDOW} slots.
   */
  static final class Postings {
    private int[] slots = new int[4];
    private float[] weights = new float[4];
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
      int w = slot >>> WINDOW_SHIFT;
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
  }

  private volatile Map<Integer, Postings> lists = new ConcurrentHashMap<>();

  /** Entries in the lists, and those of them whose slot is no longer live. */
  private long entries;

  private long dead;

  /** Posting entries read by searches (tests and telemetry). */
  final LongAdder read = new LongAdder();

  /** Adds {@code v}, stored at {@code slot} (larger than any slot added before). */
  void add(int slot, SparseVector v) {
    Map<Integer, Postings> m = lists;
    int[] idx = v.indices();
    float[] val = v.values();
    for (int i = 0; i < idx.length; i++) {
      Postings p = m.computeIfAbsent(idx[i], k -> new Postings());
      p.add(slot, val[i]);
      p.live++;
    }
    entries += idx.length;
  }

  /** Notes that the vector {@code v} at a slot is gone; its entries stay until a rebuild. */
  void removed(SparseVector v) {
    Map<Integer, Postings> m = lists;
    for (int d : v.indices()) {
      Postings p = m.get(d);
      if (p != null) {
        p.live--;
      }
    }
    dead += v.size();
  }

  /** Whether enough entries are dead that a rebuild pays: over half of them, and many. */
  boolean rebuildDue() {
    return dead > 65_536 && dead * 2 > entries;
  }

  /** Replaces the lists with ones holding only the live vectors, given in ascending slot order. */
  void rebuild(Iterable<Map.Entry<Integer, SparseVector>> liveInSlotOrder) {
    Map<Integer, Postings> old = lists;
    lists = new ConcurrentHashMap<>();
    entries = 0;
    dead = 0;
    for (var e : liveInSlotOrder) {
      add(e.getKey(), e.getValue());
    }
    old.clear(); // readers that hold the old lists keep their own references
  }

  /** Entries held, live or not, and how many dimensions have a list. */
  long entries() {
    return entries;
  }

  int dimensions() {
    return lists.size();
  }

  /** How many live vectors have dimension {@code d}. */
  int documentFrequency(int d) {
    Postings p = lists.get(d);
    return p == null ? 0 : p.live;
  }

  /**
   * The exact best {@code k} slots for {@code query} (weights already modified) among those {@code
   * accept} takes, best first; only slots sharing a dimension with the query are scored. Slots
   * scoring below {@code threshold} (null: none) are left out.
   */
  List<TopK.Hit> search(SparseVector query, int k, Float threshold, IntPredicate accept) {
    RequestScope scope = RequestScope.current();
    List<Cursor> found = new ArrayList<>(query.size());
    Map<Integer, Postings> m = lists;
    int maxSlot = -1;
    for (int i = 0; i < query.size(); i++) {
      Postings p = m.get(query.indices()[i]);
      float q = query.values()[i];
      if (p == null || q == 0) {
        continue;
      }
      int n = p.size; // read first: the arrays and the ranges hold at least this many entries
      if (n == 0) {
        continue;
      }
      float bound = Math.max(q * p.max, q * p.min);
      Cursor c =
          new Cursor(p.slots, p.weights, n, q, Math.max(0f, bound), p.windowMax, p.windowMin);
      maxSlot = Math.max(maxSlot, c.slots[n - 1]);
      found.add(c);
    }
    Cursor[] cursors = found.toArray(new Cursor[0]);
    int t = cursors.length;
    Cursor[] order = new Cursor[t]; // the window's lists, smallest bound first
    float[] prefix = new float[t]; // prefix[i]: what order[0..i] can add at most in the window
    TopK top = new TopK(k);
    float floor = threshold == null ? Float.NEGATIVE_INFINITY : threshold;
    float theta = floor; // a slot below this cannot be returned
    long reads = 0;
    Scratch scratch = SCRATCH.get(); // left zeroed by every search
    float[] partial = scratch.partial;
    long[] seen = scratch.seen;
    int[] candSlots = scratch.candSlots;
    float[] candScores = scratch.candScores;
    try {
      for (long start = 0; start <= maxSlot; start += WINDOW) {
        scope.tick();
        int window = (int) (start >>> WINDOW_SHIFT);
        int end = (int) Math.min(start + WINDOW, (long) maxSlot + 1);
        for (int i = 0; i < t; i++) {
          cursors[i].windowBound(window);
          order[i] = cursors[i];
        }
        Arrays.sort(order, (a, b) -> Float.compare(a.windowBound, b.windowBound));
        float sum = 0;
        for (int i = 0; i < t; i++) {
          sum += order[i].windowBound;
          prefix[i] = sum;
        }
        int essential = 0; // order[essential..] are read whole; those before only probed
        while (essential < t && prefix[essential] < theta) {
          essential++;
        }
        if (essential == t) { // nothing in this window can reach the k-th score: skip it
          for (Cursor c : cursors) {
            reads += c.advance(end);
          }
          continue;
        }
        for (int i = essential; i < t; i++) {
          Cursor c = order[i];
          if (c.pos < c.n && c.slots[c.pos] < start) { // only probed in earlier windows
            reads += c.advance((int) start);
          }
          int pos = c.pos;
          int[] slots = c.slots;
          float[] weights = c.weights;
          float q = c.q;
          while (pos < c.n && slots[pos] < end) {
            int s = (int) (slots[pos] - start);
            seen[s >>> 6] |= 1L << s;
            partial[s] += q * weights[pos++];
          }
          reads += pos - c.pos;
          c.pos = pos;
        }
        // the window's candidates, in slot order (the bits of the touched slots), with what the
        // essential lists gave them; the buffer is zeroed again on the way
        int cands = 0;
        float others = essential == 0 ? 0 : prefix[essential - 1];
        for (int w = 0; w < seen.length; w++) {
          long bits = seen[w];
          seen[w] = 0;
          while (bits != 0) {
            int s = (w << 6) + Long.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            float score = partial[s];
            partial[s] = 0;
            if (score + others >= theta) {
              candSlots[cands] = (int) (start + s);
              candScores[cands++] = score;
            }
          }
        }
        // the other lists one at a time, largest bound first, each dropping the candidates that
        // can no longer reach the k-th score
        for (int i = essential - 1; i >= 0 && cands > 0; i--) {
          reads += order[i].addTo(candSlots, candScores, cands);
          float rest = i == 0 ? 0 : prefix[i - 1];
          int kept = 0;
          for (int j = 0; j < cands; j++) {
            if (candScores[j] + rest >= theta) {
              candSlots[kept] = candSlots[j];
              candScores[kept++] = candScores[j];
            }
          }
          cands = kept;
        }
        for (int j = 0; j < cands; j++) {
          int slot = candSlots[j];
          float score = candScores[j];
          if (score >= theta && accept.test(slot) && top.offer(slot, score) && top.full()) {
            theta = Math.max(floor, top.worst());
          }
        }
      }
    } catch (RuntimeException | Error e) { // a request stopped mid-window: leave the buffers zeroed
      Arrays.fill(partial, 0f);
      Arrays.fill(seen, 0L);
      throw e;
    }
    read.add(reads);
    return top.bestFirst();
  }

  /** Scores every slot of {@code candidates} that {@code accept} takes, one by one. */
  static List<TopK.Hit> scan(
      SparseVector query,
      int k,
      Float threshold,
      int[] candidates,
      SlotTable<SparseVector> vectors,
      IntPredicate accept) {
    RequestScope scope = RequestScope.current();
    TopK top = new TopK(k);
    for (int slot : candidates) {
      scope.tick();
      SparseVector v = vectors.get(slot);
      if (v == null) {
        continue;
      }
      float s = query.dot(v);
      if (Float.isNaN(s) || (threshold != null && s < threshold) || !accept.test(slot)) {
        continue;
      }
      top.offer(slot, s);
    }
    return top.bestFirst();
  }

  /** A query dimension's walk through its list. */
  private static final class Cursor {
    final int[] slots;
    final float[] weights;
    final int n;
    final float q;
    final float bound;
    private final float[] windowMax;
    private final float[] windowMin;
    int pos;

    /** What this list can add at most in the current window. */
    float windowBound;

    Cursor(
        int[] slots,
        float[] weights,
        int n,
        float q,
        float bound,
        float[] windowMax,
        float[] windowMin) {
      this.slots = slots;
      this.weights = weights;
      this.n = n;
      this.q = q;
      this.bound = bound;
      this.windowMax = windowMax;
      this.windowMin = windowMin;
    }

    /**
     * Sets {@link #windowBound} for {@code window}: 0 once the list is past it, the window's own
     * weight range where the list keeps one, else the list's.
     */
    void windowBound(int window) {
      if (pos >= n) {
        windowBound = 0;
      } else if (windowMax != null && window < windowMax.length && window < windowMin.length) {
        float mx = windowMax[window];
        windowBound = Float.isNaN(mx) ? 0 : Math.max(0f, Math.max(q * mx, q * windowMin[window]));
      } else {
        windowBound = bound;
      }
    }

    /**
     * Adds this list's contribution to each of the {@code m} candidates ({@code slots} ascending):
     * by walking the list alongside them when its entries up to the last candidate are few against
     * them, else by galloping to each. Returns the entries looked at.
     */
    int addTo(int[] slots, float[] scores, int m) {
      int last = slots[m - 1];
      int end = pos;
      while (end < n && this.slots[end] <= last && end - pos < 8 * m) {
        end++;
      }
      int looked = end - pos;
      boolean walk = end == n || this.slots[end] > last;
      for (int j = 0; j < m; j++) {
        int slot = slots[j];
        if (walk) {
          while (pos < n && this.slots[pos] < slot) {
            pos++;
          }
        } else {
          looked += advance(slot);
        }
        if (pos < n && this.slots[pos] == slot) {
          scores[j] += q * weights[pos];
        }
      }
      return looked;
    }

    /**
     * Moves to the first entry at or after {@code slot} by galloping; returns entries looked at.
     */
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
      hi = Math.min(hi, n);
      while (lo + 1 < hi) { // slots[lo] < slot <= slots[hi] (or hi == n)
        int mid = (lo + hi) >>> 1;
        looked++;
        if (slots[mid] < slot) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      pos = hi;
      return looked;
    }
  }
}
