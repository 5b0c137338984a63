package dev.quiver.storage.internal.vector;

import java.util.Arrays;
import java.util.List;

/**
 * The best k (slot, score) pairs offered, in a min-heap on the score; sized by what is offered, not
 * by k. Confined to one search's thread.
 */
public final class TopK {
  /** A scored slot. */
  public record Hit(int slot, float score) {}

  private final int k;
  private int[] slots;
  private float[] scores;
  private int n;

  public TopK(int k) {
    this.k = k;
    int initial = Math.min(k, 4096); // grows with what is found, not with what is asked
    slots = new int[initial];
    scores = new float[initial];
  }

  public boolean full() {
    return n == k;
  }

  public float worst() {
    return scores[0];
  }

  /** Keeps (slot, score) if it is among the best k so far; returns whether it was kept. */
  public boolean offer(int slot, float score) {
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

  public List<Hit> bestFirst() {
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
