package dev.quiver.storage.internal.hnsw;

import java.util.Arrays;

/**
 * A bounded set of (node, similarity) pairs with the worst on top of a min-heap. Not thread-safe.
 */
public final class Candidates {
  private int[] nodes;
  private float[] sims;
  private int size;

  /**
   * @param capacity the expected size: storage for at most {@value #PREALLOCATED} pairs is taken up
   *     front, the rest as they arrive (a capacity can come from a request's limit)
   */
  public Candidates(int capacity) {
    int initial = Math.clamp(capacity, 1, PREALLOCATED);
    nodes = new int[initial];
    sims = new float[initial];
  }

  static final int PREALLOCATED = 4096;

  static Candidates of(int node, float sim) {
    Candidates c = new Candidates(1);
    c.add(node, sim);
    return c;
  }

  public int size() {
    return size;
  }

  public int node(int i) {
    return nodes[i];
  }

  public float similarity(int i) {
    return sims[i];
  }

  public float worst() {
    return sims[0];
  }

  public void add(int node, float sim) {
    if (size == nodes.length) {
      nodes = Arrays.copyOf(nodes, size * 2);
      sims = Arrays.copyOf(sims, size * 2);
    }
    int i = size++;
    while (i > 0) {
      int p = (i - 1) >>> 1;
      if (sims[p] <= sim) {
        break;
      }
      nodes[i] = nodes[p];
      sims[i] = sims[p];
      i = p;
    }
    nodes[i] = node;
    sims[i] = sim;
  }

  /** Adds every pair of {@code other}. */
  public void addAll(Candidates other) {
    for (int i = 0; i < other.size; i++) {
      add(other.nodes[i], other.sims[i]);
    }
  }

  /** Removes the worst pair and returns its node. */
  int pollWorst() {
    int node = nodes[0];
    removeWorst();
    return node;
  }

  public void removeWorst() {
    int lastNode = nodes[--size];
    float last = sims[size];
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      if (l >= size) {
        break;
      }
      int r = l + 1;
      int c = r < size && sims[r] < sims[l] ? r : l;
      if (sims[c] >= last) {
        break;
      }
      nodes[i] = nodes[c];
      sims[i] = sims[c];
      i = c;
    }
    nodes[i] = lastNode;
    sims[i] = last;
  }

  /** Nodes ordered best (highest similarity) first. */
  int[] bestFirst() {
    int[] order = bestFirstPositions();
    int[] out = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      out[i] = nodes[order[i]];
    }
    return out;
  }

  /** Positions ({@link #node}, {@link #similarity}) ordered best first. */
  public int[] bestFirstPositions() {
    long[] keyed = new long[size];
    for (int i = 0; i < size; i++) {
      // order by similarity descending: flip the sortable int image of the float
      int bits = Float.floatToIntBits(sims[i]);
      int sortable = bits >= 0 ? bits : bits ^ 0x7fffffff;
      keyed[i] = ((long) ~sortable << 32) | i;
    }
    Arrays.sort(keyed);
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = (int) keyed[i];
    }
    return out;
  }
}
