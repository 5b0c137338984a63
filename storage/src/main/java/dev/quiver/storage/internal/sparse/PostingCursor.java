package dev.quiver.storage.internal.sparse;

/**
 * A query dimension's walk through one posting list (slots ascending, each with its weight), as the
 * MaxScore search of {@link SparseIndex} drives it: window by window, reading a list whole where it
 * is essential and probing it for candidates where it is not. A list on the heap and a sealed list
 * in a mapped file walk alike; one dimension may have one of each (older slots sealed, newer ones
 * on the heap), and they are two cursors to the search. Not thread-safe: one search owns it.
 */
public abstract class PostingCursor {
  /** The query's weight for this dimension. */
  final float q;

  /** What this list can add to a slot at most, over the whole list. */
  final float bound;

  /** What this list can add at most in the current window (set by {@link #windowBound(int)}). */
  float windowBound;

  /** Entries looked at by {@link #addTo} so far. */
  long probed;

  /** The list's entries per slot between its first and last slot: how densely it covers them. */
  final float density;

  /**
   * Whether every entry adds more than zero: a slot such lists touch then scores above zero, so the
   * slots they touched are those scoring above zero.
   */
  final boolean positive;

  /**
   * @param least what the smallest addition of the list is ({@code q} times its least or largest
   *     weight)
   */
  PostingCursor(float q, float bound, float least, int entries, int firstSlot, int lastSlot) {
    this.q = q;
    this.bound = bound;
    this.positive = least > 0;
    this.density = entries / ((float) lastSlot - firstSlot + 1);
  }

  /** The list's last slot. */
  abstract int lastSlot();

  /**
   * Sets {@link #windowBound} for window {@code window}: 0 once the list is past it, the window's
   * own weight range where the list keeps one, else the whole list's bound.
   */
  abstract void windowBound(int window);

  /** Whether the cursor stands on an entry before {@code slot} (left over from probing). */
  abstract boolean before(int slot);

  /** Moves to the first entry at or after {@code slot}; returns the entries looked at. */
  abstract int advance(int slot);

  /**
   * Adds {@code q} times the weight of each entry before {@code end} (from where the cursor stands)
   * to {@code partial[slot - start]}, marking the slot in {@code seen} unless it is null; returns
   * the entries read.
   */
  abstract int accumulate(int start, int end, float[] partial, long[] seen);

  /**
   * Adds this list's contribution to each of the {@code m} candidates ({@code cands}: slots less
   * {@code start}, ascending; their scores in {@code partial}), keeping in place, in order, those
   * whose score is at least {@code keep}; returns how many are kept. Counts the entries it looks at
   * in {@link #probed}.
   */
  abstract int addTo(int start, int[] cands, int m, float[] partial, float keep);

  /**
   * The first index in {@code (lo, hi]} whose slot is at least {@code slot}, by bisection, given
   * {@code slots[lo] < slot <= slots[hi]} ({@code lo} may be -1 and {@code hi} one past the end);
   * returned with the entries looked at as {@code (index << 32) | looked}.
   */
  static long firstAtLeast(int[] slots, int lo, int hi, int slot) {
    int looked = 0;
    while (lo + 1 < hi) {
      int mid = (lo + hi) >>> 1;
      looked++;
      if (slots[mid] < slot) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return ((long) hi << 32) | looked;
  }

  /** The bound of a window from its weight range; 0 where the window has no entry (NaN). */
  final float rangeBound(float max, float min) {
    return Float.isNaN(max) ? 0 : Math.max(0f, Math.max(q * max, q * min));
  }
}
