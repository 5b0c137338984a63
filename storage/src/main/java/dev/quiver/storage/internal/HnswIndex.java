package dev.quiver.storage.internal;

import dev.quiver.storage.Distance;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntPredicate;

/**
 * A Hierarchical Navigable Small World graph over the slots of an {@link OffHeapVectors}.
 *
 * <p>Malkov and Yashunin, "Efficient and robust approximate nearest neighbor search using
 * Hierarchical Navigable Small World graphs" (2016). The paper's parameters map to: {@code M} →
 * {@code m} (neighbours per node on upper layers; {@code 2m} on layer 0), {@code efConstruction} →
 * {@code efConstruct}, {@code mL} → {@code 1 / ln(m)}. Neighbours are chosen with the paper's
 * heuristic (Algorithm 4), which keeps the graph navigable on clustered data.
 *
 * <p>Thread-safety: inserts may run concurrently with each other and with searches. A node's
 * neighbour list is an immutable {@code int[]} replaced under that node's lock (striped) and
 * published through an {@link AtomicReferenceArray}; searches read without locks. The node table
 * grows in fixed pages, so nothing a reader holds is ever moved.
 */
final class HnswIndex {
  private static final int PAGE = 1 << 12;
  private static final int LOCK_STRIPES = 1 << 10;

  private final OffHeapVectors vectors;
  private final Distance distance;
  private final int m;
  private final int efConstruct;
  private final double ml;
  private final Object[] locks = new Object[LOCK_STRIPES];
  private final Object growLock = new Object();
  private final long seed;

  /** page -> node -> level -> neighbours. */
  private volatile AtomicReferenceArray<int[][]>[] pages;

  private volatile long entry = -1; // (level << 32) | node, or -1 when empty

  @SuppressWarnings("unchecked")
  HnswIndex(OffHeapVectors vectors, Distance distance, int m, int efConstruct, long seed) {
    this.vectors = vectors;
    this.distance = distance;
    this.m = Math.max(2, m);
    this.efConstruct = Math.max(efConstruct, this.m);
    this.ml = 1 / Math.log(this.m);
    this.seed = seed;
    this.pages = new AtomicReferenceArray[0];
    for (int i = 0; i < LOCK_STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  private int[][] node(int n) {
    return pages[n / PAGE].get(n % PAGE);
  }

  private int[] neighbours(int n, int level) {
    int[][] levels = node(n);
    return level < levels.length ? levels[level] : new int[0];
  }

  private void setNeighbours(int n, int level, int[] list) {
    AtomicReferenceArray<int[][]> page = pages[n / PAGE];
    int[][] old = page.get(n % PAGE);
    int[][] copy = old.clone();
    copy[level] = list;
    page.set(n % PAGE, copy);
  }

  @SuppressWarnings("unchecked")
  private void reserve(int n) {
    if (n / PAGE < pages.length) {
      return;
    }
    synchronized (growLock) {
      while (n / PAGE >= pages.length) {
        AtomicReferenceArray<int[][]>[] next = Arrays.copyOf(pages, pages.length + 1);
        next[pages.length] = new AtomicReferenceArray<>(PAGE);
        pages = next;
      }
    }
  }

  /**
   * The node's top layer, drawn from the paper's distribution by a generator seeded with the node
   * itself, so that replaying the same inserts rebuilds the same graph.
   */
  private int randomLevel(int node) {
    double u = new SplittableRandom(seed ^ (node * 0x9E3779B97F4A7C15L)).nextDouble();
    return (int) Math.floor(-Math.log(1 - u) * ml);
  }

  /**
   * Inserts the vector already stored in {@code node} (slots are inserted in any order, each once).
   */
  void insert(int node) {
    float[] q = vectors.get(node);
    int level = randomLevel(node);
    reserve(node);
    int[][] empty = new int[level + 1][];
    Arrays.fill(empty, new int[0]);
    pages[node / PAGE].set(node % PAGE, empty);
    long ep;
    synchronized (growLock) {
      ep = entry;
      if (ep == -1) {
        entry = ((long) level << 32) | node;
        return;
      }
    }
    int epNode = (int) ep;
    int epLevel = (int) (ep >>> 32);
    // 1. greedy descent through the layers above the new node's top layer
    for (int l = epLevel; l > level; l--) {
      epNode = greedy(q, epNode, l);
    }
    // 2. on each layer from min(level, epLevel) down: search, select neighbours, link both ways
    Candidates entryPoints = Candidates.of(epNode, vectors.similarity(distance, q, epNode));
    for (int l = Math.min(level, epLevel); l >= 0; l--) {
      Candidates found = searchLayer(q, entryPoints, efConstruct, l, null);
      int max = l == 0 ? 2 * m : m;
      int[] selected = select(q, found, max);
      synchronized (lock(node)) {
        setNeighbours(node, l, selected);
      }
      for (int other : selected) {
        link(other, node, l, max);
      }
      entryPoints = found;
    }
    if (level > epLevel) {
      synchronized (growLock) {
        if (level > (int) (entry >>> 32)) {
          entry = ((long) level << 32) | node;
        }
      }
    }
  }

  private Object lock(int node) {
    return locks[node & (LOCK_STRIPES - 1)];
  }

  /** Adds {@code node} to {@code other}'s list on {@code level}, pruning with the heuristic. */
  private void link(int other, int node, int level, int max) {
    synchronized (lock(other)) {
      int[] current = neighbours(other, level);
      for (int x : current) {
        if (x == node) {
          return;
        }
      }
      if (current.length < max) {
        int[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = node;
        setNeighbours(other, level, next);
        return;
      }
      float[] base = vectors.get(other);
      Candidates all = new Candidates(current.length + 1);
      for (int x : current) {
        all.add(x, vectors.similarity(distance, base, x));
      }
      all.add(node, vectors.similarity(distance, base, node));
      setNeighbours(other, level, select(base, all, max));
    }
  }

  /**
   * The heuristic of Algorithm 4: take candidates best first, keeping one only if it is closer to
   * the base than to every one already kept; fill up with the best discarded ones.
   */
  private int[] select(float[] base, Candidates candidates, int max) {
    int[] order = candidates.bestFirst();
    int[] kept = new int[Math.min(max, order.length)];
    int n = 0;
    boolean[] used = new boolean[order.length];
    for (int i = 0; i < order.length && n < max; i++) {
      int c = order[i];
      float toBase = vectors.similarity(distance, base, c);
      boolean good = true;
      float[] cv = null;
      for (int j = 0; j < n && good; j++) {
        if (cv == null) {
          cv = vectors.get(c);
        }
        good = vectors.similarity(distance, cv, kept[j]) < toBase;
      }
      if (good) {
        kept[n++] = c;
        used[i] = true;
      }
    }
    for (int i = 0; i < order.length && n < kept.length; i++) {
      if (!used[i]) {
        kept[n++] = order[i];
      }
    }
    return Arrays.copyOf(kept, n);
  }

  private int greedy(float[] q, int start, int level) {
    int best = start;
    float bestSim = vectors.similarity(distance, q, best);
    boolean moved = true;
    while (moved) {
      moved = false;
      for (int n : neighbours(best, level)) {
        float s = vectors.similarity(distance, q, n);
        if (s > bestSim) {
          bestSim = s;
          best = n;
          moved = true;
        }
      }
    }
    return best;
  }

  /**
   * Algorithm 2: best-first search on one layer from {@code entryPoints}, keeping the {@code ef}
   * best nodes that {@code accept} admits (all nodes are walked through; only admitted ones are
   * results).
   */
  private Candidates searchLayer(
      float[] q, Candidates entryPoints, int ef, int level, IntPredicate accept) {
    int size = vectors.size();
    long[] visited = new long[(size >>> 6) + 1];
    // nodes to expand, best first: a min-heap on negated similarity
    Candidates frontier = new Candidates(Math.max(16, ef * 2));
    Candidates results = new Candidates(ef + 1);
    for (int i = 0; i < entryPoints.size(); i++) {
      int n = entryPoints.node(i);
      float s = entryPoints.similarity(i);
      visited[n >>> 6] |= 1L << n;
      frontier.add(n, -s);
      if (accept == null || accept.test(n)) {
        results.add(n, s);
      }
    }
    while (frontier.size() > 0) {
      float cs = -frontier.worst();
      int cn = frontier.pollWorst();
      if (results.size() >= ef && cs < results.worst()) {
        break;
      }
      for (int n : neighbours(cn, level)) {
        if (n >= size || (visited[n >>> 6] & (1L << n)) != 0) {
          continue;
        }
        visited[n >>> 6] |= 1L << n;
        float s = vectors.similarity(distance, q, n);
        if (results.size() < ef || s > results.worst()) {
          frontier.add(n, -s);
          if (accept == null || accept.test(n)) {
            results.add(n, s);
            if (results.size() > ef) {
              results.removeWorst();
            }
          }
        }
      }
    }
    return results;
  }

  /** The {@code ef} best admitted nodes for {@code q} (query already normalised for Cosine). */
  Candidates search(float[] q, int ef, IntPredicate accept) {
    long ep = entry;
    if (ep == -1) {
      return new Candidates(0);
    }
    int node = (int) ep;
    for (int l = (int) (ep >>> 32); l > 0; l--) {
      node = greedy(q, node, l);
    }
    return searchLayer(
        q, Candidates.of(node, vectors.similarity(distance, q, node)), ef, 0, accept);
  }

  /** Writes the graph: entry point, then each node's levels and neighbour lists. */
  void write(java.io.DataOutputStream out, int nodes) throws java.io.IOException {
    out.writeLong(entry);
    out.writeInt(nodes);
    for (int n = 0; n < nodes; n++) {
      int[][] levels = node(n);
      out.writeByte(levels.length);
      for (int[] list : levels) {
        out.writeShort(list.length);
        for (int x : list) {
          out.writeInt(x);
        }
      }
    }
  }

  /** Reads a graph written by {@link #write} into this (empty) index. */
  void read(java.io.DataInputStream in) throws java.io.IOException {
    long e = in.readLong();
    int nodes = in.readInt();
    for (int n = 0; n < nodes; n++) {
      int[][] levels = new int[in.readUnsignedByte()][];
      for (int l = 0; l < levels.length; l++) {
        int[] list = new int[in.readUnsignedShort()];
        for (int i = 0; i < list.length; i++) {
          list[i] = in.readInt();
        }
        levels[l] = list;
      }
      reserve(n);
      pages[n / PAGE].set(n % PAGE, levels);
    }
    entry = e;
  }

  /**
   * A bounded set of (node, similarity) pairs with the worst on top of a min-heap. Not thread-safe.
   */
  static final class Candidates {
    private int[] nodes;
    private float[] sims;
    private int size;

    Candidates(int capacity) {
      nodes = new int[Math.max(1, capacity)];
      sims = new float[Math.max(1, capacity)];
    }

    static Candidates of(int node, float sim) {
      Candidates c = new Candidates(1);
      c.add(node, sim);
      return c;
    }

    int size() {
      return size;
    }

    int node(int i) {
      return nodes[i];
    }

    float similarity(int i) {
      return sims[i];
    }

    float worst() {
      return sims[0];
    }

    void add(int node, float sim) {
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

    /** Removes the worst pair and returns its node. */
    int pollWorst() {
      int node = nodes[0];
      removeWorst();
      return node;
    }

    void removeWorst() {
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
    int[] bestFirstPositions() {
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
}
