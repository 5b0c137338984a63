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

  /** One dimension's postings: slots ascending, their weights, and the weights' range. */
  static final class Postings {
    private int[] slots = new int[4];
    private float[] weights = new float[4];
    private float max = Float.NEGATIVE_INFINITY;
    private float min = Float.POSITIVE_INFINITY;
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
      size = n + 1; // publishes the entry and the range above
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

  /** A scored slot. */
  record Hit(int slot, float score) {}

  /**
   * The exact best {@code k} slots for {@code query} (weights already modified) among those {@code
   * accept} takes, best first; only slots sharing a dimension with the query are scored. Slots
   * scoring below {@code threshold} (null: none) are left out.
   */
  List<Hit> search(SparseVector query, int k, Float threshold, IntPredicate accept) {
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
      int n = p.size; // read first: the arrays and the range hold at least this many entries
      if (n == 0) {
        continue;
      }
      float bound = Math.max(q * p.max, q * p.min);
      Cursor c = new Cursor(p.slots, p.weights, n, q, Math.max(0f, bound));
      maxSlot = Math.max(maxSlot, c.slots[n - 1]);
      found.add(c);
    }
    found.sort((a, b) -> Float.compare(a.bound, b.bound));
    Cursor[] cursors = found.toArray(new Cursor[0]);
    int t = cursors.length;
    float[] prefix = new float[t]; // prefix[i]: what lists 0..i can add at most
    float sum = 0;
    for (int i = 0; i < t; i++) {
      sum += cursors[i].bound;
      prefix[i] = sum;
    }
    TopK top = new TopK(k);
    float floor = threshold == null ? Float.NEGATIVE_INFINITY : threshold;
    float theta = floor; // a slot below this cannot be returned
    int essential = 0; // lists from here on are read whole; those before only probed
    long reads = 0;
    float[] partial = new float[BATCH];
    boolean[] seen = new boolean[BATCH];
    int[] touched = new int[BATCH];
    // slots in windows of BATCH: the essential lists add into a dense buffer, then each touched
    // slot, in slot order, is completed by probing the other lists while it can still make it
    for (long start = 0; start <= maxSlot && essential < t; start += BATCH) {
      scope.tick();
      int end = (int) Math.min(start + BATCH, (long) maxSlot + 1);
      int touchedCount = 0;
      for (int i = essential; i < t; i++) {
        Cursor c = cursors[i];
        int pos = c.pos;
        int[] slots = c.slots;
        float[] weights = c.weights;
        float q = c.q;
        while (pos < c.n && slots[pos] < end) {
          int s = (int) (slots[pos] - start);
          if (!seen[s]) {
            seen[s] = true;
            touched[touchedCount++] = s;
          }
          partial[s] += q * weights[pos++];
        }
        reads += pos - c.pos;
        c.pos = pos;
      }
      java.util.Arrays.sort(touched, 0, touchedCount);
      for (int j = 0; j < touchedCount; j++) {
        int s = touched[j];
        float score = partial[s];
        partial[s] = 0;
        seen[s] = false;
        int slot = (int) (start + s);
        boolean pruned = false;
        for (int i = essential - 1; i >= 0; i--) {
          if (score + prefix[i] < theta) {
            pruned = true;
            break;
          }
          Cursor c = cursors[i];
          reads += c.advance(slot);
          if (c.pos < c.n && c.slots[c.pos] == slot) {
            score += c.q * c.weights[c.pos];
          }
        }
        if (pruned || score < theta || !accept.test(slot)) {
          continue;
        }
        if (top.offer(slot, score) && top.full()) {
          theta = Math.max(floor, top.worst());
          while (essential < t && prefix[essential] < theta) {
            essential++;
          }
        }
      }
    }
    read.add(reads);
    return top.bestFirst();
  }

  /** Slots per window of a search's dense score buffer. */
  private static final int BATCH = 4096;

  /** Scores every slot of {@code candidates} that {@code accept} takes, one by one. */
  static List<Hit> scan(
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
    int pos;

    Cursor(int[] slots, float[] weights, int n, float q, float bound) {
      this.slots = slots;
      this.weights = weights;
      this.n = n;
      this.q = q;
      this.bound = bound;
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

  /** The best k (slot, score) pairs seen, in a min-heap on the score. */
  private static final class TopK {
    private final int k;
    private int[] slots;
    private float[] scores;
    private int n;

    TopK(int k) {
      this.k = k;
      int initial = Math.min(k, 4096); // grows with what is found, not with what is asked
      slots = new int[initial];
      scores = new float[initial];
    }

    boolean full() {
      return n == k;
    }

    float worst() {
      return scores[0];
    }

    /** Keeps (slot, score) if it is among the best k so far; returns whether it was kept. */
    boolean offer(int slot, float score) {
      if (n < k) {
        if (n == slots.length) {
          int grown = (int) Math.min(k, n * 2L + 1);
          slots = Arrays.copyOf(slots, grown);
          scores = Arrays.copyOf(scores, grown);
        }
        slots[n] = slot;
        scores[n] = score;
        up(n++);
        return true;
      }
      if (score <= scores[0]) {
        return false;
      }
      slots[0] = slot;
      scores[0] = score;
      down(0);
      return true;
    }

    private void up(int i) {
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (scores[parent] <= scores[i]) {
          return;
        }
        swap(i, parent);
        i = parent;
      }
    }

    private void down(int i) {
      while (true) {
        int l = 2 * i + 1;
        if (l >= n) {
          return;
        }
        int smallest = l + 1 < n && scores[l + 1] < scores[l] ? l + 1 : l;
        if (scores[i] <= scores[smallest]) {
          return;
        }
        swap(i, smallest);
        i = smallest;
      }
    }

    private void swap(int a, int b) {
      int s = slots[a];
      slots[a] = slots[b];
      slots[b] = s;
      float f = scores[a];
      scores[a] = scores[b];
      scores[b] = f;
    }

    List<Hit> bestFirst() {
      Hit[] out = new Hit[n];
      for (int i = 0; i < n; i++) {
        out[i] = new Hit(slots[i], scores[i]);
      }
      Arrays.sort(
          out,
          (a, b) -> {
            int c = Float.compare(b.score(), a.score());
            return c != 0 ? c : Integer.compare(a.slot(), b.slot());
          });
      return List.of(out);
    }
  }
}
