package dev.quiver.storage.internal.hnsw;

import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.internal.hnsw.GraphLinks.Links;
import dev.quiver.storage.internal.vector.OffHeapVectors;
import dev.quiver.storage.internal.vector.SlotScorer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * A Hierarchical Navigable Small World graph over the slots of a {@link GraphVectors}: dense
 * vectors, or multivectors compared by MaxSim.
 *
 * <p>Malkov and Yashunin, "Efficient and robust approximate nearest neighbor search using
 * Hierarchical Navigable Small World graphs" (2016). The paper's parameters map to: {@code M} →
 * {@code m} (neighbours per node on upper layers; {@code 2m} on layer 0), {@code efConstruction} →
 * {@code efConstruct}, {@code mL} → {@code 1 / ln(m)}. Neighbours are chosen with the paper's
 * heuristic (Algorithm 4), which keeps the graph navigable on clustered data, and a second, relaxed
 * pass as Vamana's (see {@link #select}).
 *
 * <p>The neighbour lists live in {@link GraphLinks}: the bottom layer in memory-mapped files, the
 * sparse upper layers on the heap.
 *
 * <p>A <em>graph of groups</em> ({@link #grouped}) is a graph whose nodes link only within their
 * group, on every layer, each group entered at its own top node (an HNSW graph per group, over one
 * set of lists): Qdrant's payload-aware links ({@code payload_m}), where each value of a tenant
 * field is a group and a search for one tenant walks its nodes only. A node whose group changed is
 * taken out ({@link #unlink}) and inserted again; links other nodes still hold to it are not
 * followed, because walks stay within their group.
 *
 * <p>Thread-safety: inserts may run concurrently with each other and with searches. A node's lists
 * are rewritten under that node's lock (striped); searches read without locks (see {@link
 * GraphLinks} for what a racing read may see). {@link #remove} must not run with inserts.
 */
public final class HnswIndex implements AutoCloseable {
  private static final int LOCK_STRIPES = 1 << 10;

  private final GraphVectors vectors;
  private final int m;
  private final int efConstruct;
  private final double ml;
  private final Object[] locks = new Object[LOCK_STRIPES];
  private final Object growLock = new Object();
  private final long seed;

  private final GraphLinks links;

  /** Each node's group in a graph of groups (a negative one: none); null for one whole graph. */
  private final IntUnaryOperator group;

  /**
   * A graph of groups: the entry of each group, where its inserts and searches start ({@code (level
   * << 32) | node}, as {@link #entry}).
   */
  private final ConcurrentHashMap<Integer, Long> groupEntries = new ConcurrentHashMap<>();

  /** Nodes whose insertion is running (a few: one per inserting thread). */
  private final Set<Integer> inserting = ConcurrentHashMap.newKeySet();

  private volatile long entry = -1; // (level << 32) | node, or -1 when empty

  /** The walks of the layers: greedy steps, best-first searches, ACORN-1. */
  private final LayerWalks walks;

  /** The reachability checks ({@link #repair}). */
  private final GraphRepair repair;

  /** Node scorers for inserts and neighbour selection, a few per concurrent insert. */
  private final ConcurrentLinkedQueue<GraphVectors.NodeScorer> scorerPool =
      new ConcurrentLinkedQueue<>();

  /**
   * An empty graph over {@code vectors}, its bottom layer's lists in files under {@code dir} (a
   * directory of its own: what an earlier run left there is deleted).
   */
  public HnswIndex(
      OffHeapVectors vectors, Path dir, Distance distance, int m, int efConstruct, long seed) {
    this(GraphVectors.dense(vectors, distance), dir, m, efConstruct, seed);
  }

  /** An empty graph over {@code vectors}, as above. */
  public HnswIndex(GraphVectors vectors, Path dir, int m, int efConstruct, long seed) {
    this(vectors, dir, m, efConstruct, seed, null);
  }

  /**
   * An empty graph of groups over {@code vectors}: each node linked only to others of its {@code
   * group} (read when the node is inserted and by every walk; negative: none).
   */
  public static HnswIndex grouped(
      OffHeapVectors vectors,
      Path dir,
      Distance distance,
      int m,
      int efConstruct,
      IntUnaryOperator group) {
    return new HnswIndex(GraphVectors.dense(vectors, distance), dir, m, efConstruct, 0, group);
  }

  private HnswIndex(
      GraphVectors vectors, Path dir, int m, int efConstruct, long seed, IntUnaryOperator group) {
    this.group = group;
    this.vectors = vectors;
    this.m = Math.clamp(m, 2, HnswConfig.MAX_M); // m=0 or 1 still builds a navigable graph
    this.efConstruct = Math.max(efConstruct, this.m);
    this.ml = 1 / Math.log(this.m);
    this.seed = seed;
    this.links = new GraphLinks(dir, 2 * this.m);
    this.walks = new LayerWalks(links, vectors);
    this.repair = new GraphRepair(this, links, walks, group);
    for (int i = 0; i < LOCK_STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  /** Whether {@code n} has been inserted. */
  public boolean contains(int n) {
    return links.contains(n);
  }

  /** Whether the graph has no node yet. */
  public boolean isEmpty() {
    return group == null ? entry == -1 : groupEntries.isEmpty();
  }

  private Links links(int n, int level) {
    return links.get(n, level);
  }

  /** The neighbours of {@code n} on {@code level}, best first. */
  int[] neighbours(int n, int level) {
    return links(n, level).ids();
  }

  void setLinks(int n, int level, Links list) {
    links.write(n, level, list.ids(), list.sims(), list.ids().length);
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
  public void insert(int node) {
    int level = Math.min(randomLevel(node), MAX_LEVEL);
    links.init(node, level + 1);
    repair.added();
    inserting.add(node);
    GraphVectors.NodeScorer q = scorer(node);
    try {
      enter(node, level, q);
    } finally {
      inserting.remove(node);
      scorerPool.offer(q);
    }
  }

  /** A pooled scorer pointed at {@code node}; the caller gives it back ({@link #release}). */
  GraphVectors.NodeScorer scorer(int node) {
    GraphVectors.NodeScorer s = scorerPool.poll();
    return (s != null ? s : vectors.nodeScorer()).at(node);
  }

  /** Gives a scorer from {@link #scorer} back to the pool. */
  void release(GraphVectors.NodeScorer q) {
    scorerPool.offer(q);
  }

  /** The entry point, {@code (level << 32) | node}, or -1 while the graph is empty. */
  long entry() {
    return entry;
  }

  int m() {
    return m;
  }

  int efConstruct() {
    return efConstruct;
  }

  /** Links {@code node}, just put in the graph on layers up to {@code level}. */
  private void enter(int node, int level, SlotScorer q) {
    if (group != null) {
      int g = group.applyAsInt(node);
      long ep = g < 0 ? -1 : entryOf(g, node, level);
      if (ep >= 0) {
        connect(node, level, q, ep, x -> group.applyAsInt(x) == g);
        if (level > (int) (ep >>> 32)) {
          synchronized (growLock) {
            Long now = groupEntries.get(g);
            if (now == null || level > (int) (now >>> 32)) {
              groupEntries.put(g, ((long) level << 32) | node);
            }
          }
        }
      }
      return;
    }
    long ep;
    synchronized (growLock) {
      ep = entry;
      if (ep == -1) {
        entry = ((long) level << 32) | node;
        return;
      }
    }
    connect(node, level, q, ep, null);
    if (level > (int) (ep >>> 32)) {
      synchronized (growLock) {
        if (level > (int) (entry >>> 32)) {
          entry = ((long) level << 32) | node;
        }
      }
    }
  }

  /**
   * The entry of group {@code g} ({@code (level << 32) | node}): the one recorded while its node is
   * still in the graph and of the group, else the node of the group on the highest layer (looked
   * for by a pass over the nodes, after the recorded one left: rare), else none: then {@code self},
   * an insert on layers up to {@code level}, becomes the group's entry, and -1 is returned.
   */
  long entryOf(int g, int self, int level) {
    Long ep = groupEntries.get(g);
    if (ep != null && validEntry(ep, g, self)) {
      return ep;
    }
    if (ep == null && self < 0) {
      return -1; // a group is recorded from its first insert on: none of it is in the graph
    }
    synchronized (growLock) {
      ep = groupEntries.get(g);
      if (ep != null && validEntry(ep, g, self)) {
        return ep;
      }
      long best = -1;
      int size = vectors.size();
      for (int n = 0; n < size; n++) {
        if (n != self && contains(n) && group.applyAsInt(n) == g && !inserting.contains(n)) {
          int top = links.levels(n) - 1;
          if (best == -1 || top > (int) (best >>> 32)) {
            best = ((long) top << 32) | n;
          }
        }
      }
      if (best >= 0) {
        groupEntries.put(g, best);
      } else if (self >= 0) {
        groupEntries.put(g, ((long) level << 32) | self);
      } else {
        groupEntries.remove(g);
      }
      return best;
    }
  }

  private boolean validEntry(long ep, int g, int self) {
    int n = (int) ep;
    return n != self && links.levels(n) > (int) (ep >>> 32) && group.applyAsInt(n) == g;
  }

  /**
   * Links {@code node} (top layer {@code level}, scored against others by {@code scorer}) into the
   * graph entered at {@code ep}: the paper's descent, then on each layer a search, a selection, and
   * links both ways. With {@code within}, only nodes it admits are walked through and linked (a
   * graph of groups).
   */
  void connect(int node, int level, SlotScorer scorer, long ep, IntPredicate within) {
    int epNode = (int) ep;
    int epLevel = (int) (ep >>> 32);
    // 1. greedy descent through the layers above the new node's top layer
    for (int l = epLevel; l > level; l--) {
      epNode = walks.greedy(scorer, epNode, l, within);
    }
    // 2. on each layer from min(level, epLevel) down: search, select neighbours, link both ways
    Candidates entryPoints = Candidates.of(epNode, scorer.score(epNode));
    for (int l = Math.min(level, epLevel); l >= 0; l--) {
      Candidates found =
          walks.layer(
              scorer, entryPoints, efConstruct, l, x -> x != node, RequestScope.UNBOUNDED, within);
      int max = l == 0 ? 2 * m : m;
      // nodes being inserted at the same time cannot be found by this search yet (their lists
      // are not written): they are candidates too, as JVector's builder makes them
      for (int other : inserting) {
        if (other != node
            && links.levels(other) > l
            && (within == null || within.test(other))
            && !contains(found, other)) {
          found.add(other, scorer.score(other));
          if (found.size() > efConstruct) {
            found.removeWorst();
          }
        }
      }
      Links selected = select(found, max);
      synchronized (lock(node)) {
        // nodes inserted meanwhile may have linked themselves to this one already: keep them in
        // the running, or their edges (the only ones between concurrent inserts) would be lost
        Links meanwhile = links(node, l);
        if (meanwhile.ids().length > 0) {
          Candidates pool = new Candidates(found.size() + meanwhile.ids().length + 1);
          for (int i = 0; i < found.size(); i++) {
            pool.add(found.node(i), found.similarity(i));
          }
          for (int i = 0; i < meanwhile.ids().length; i++) {
            int other = meanwhile.ids()[i];
            // a node linked again (a repair) may still hold links from its former group
            if (!contains(found, other) && (within == null || within.test(other))) {
              pool.add(meanwhile.ids()[i], meanwhile.sims()[i]);
            }
          }
          selected = select(pool, max);
        }
        setLinks(node, l, selected);
      }
      for (int i = 0; i < selected.ids().length; i++) {
        // the new node's score for a neighbour stands for the neighbour's for it (the same for
        // dense vectors; MaxSim is not symmetric, and Qdrant's graph makes the same assumption)
        link(selected.ids()[i], node, selected.sims()[i], l, max);
      }
      entryPoints = found;
    }
  }

  /** The top layer a node may have (the draw exceeds it with a probability of m^-254). */
  private static final int MAX_LEVEL = 254;

  private static boolean contains(Candidates c, int node) {
    for (int i = 0; i < c.size(); i++) {
      if (c.node(i) == node) {
        return true;
      }
    }
    return false;
  }

  Object lock(int node) {
    return locks[node & (LOCK_STRIPES - 1)];
  }

  /**
   * Adds {@code node} (similarity {@code sim} to {@code other}) to {@code other}'s list on {@code
   * level}. A full list is selected again, with {@link #select}, from its members and the new node,
   * down to {@link #REFILL_SHARE} of its capacity, so that the next in-links join without a
   * selection (JVector lets a list overflow by a fifth before it prunes; here the capacity is fixed
   * on disk, so the room is made below it). Against dropping one member of a full list per in-link
   * (Lucene's way), recall at equal vectors scored per query rose on both benchmark sets; selecting
   * down to 85% instead of 75% read up to 0.005 more recall at equal {@code ef} and built 15-40%
   * slower (bench/README.md).
   */
  private void link(int other, int node, float sim, int level, int max) {
    synchronized (lock(other)) {
      Links cur = links(other, level);
      int size = cur.ids().length;
      for (int i = 0; i < size; i++) {
        if (cur.ids()[i] == node) {
          return;
        }
      }
      if (size + 1 <= max) {
        setLinks(other, level, withMember(cur, node, sim));
        return;
      }
      Candidates pool = new Candidates(size + 1);
      for (int i = 0; i < size; i++) {
        pool.add(cur.ids()[i], cur.sims()[i]);
      }
      pool.add(node, sim);
      setLinks(other, level, select(pool, Math.max(1, (int) (max * REFILL_SHARE))));
    }
  }

  /** Where a member of similarity {@code sim} goes in best-first {@code list}: after its equals. */
  private static int position(Links list, float sim) {
    int at = 0;
    for (int i = 0; i < list.ids().length; i++) {
      if (list.sims()[i] >= sim) {
        at = i + 1;
      }
    }
    return at;
  }

  /** {@code list} (best first) with {@code node} of similarity {@code sim} in its place. */
  static Links withMember(Links list, int node, float sim) {
    int size = list.ids().length;
    int at = position(list, sim);
    int[] ids = new int[size + 1];
    float[] sims = new float[size + 1];
    System.arraycopy(list.ids(), 0, ids, 0, at);
    System.arraycopy(list.sims(), 0, sims, 0, at);
    ids[at] = node;
    sims[at] = sim;
    System.arraycopy(list.ids(), at, ids, at + 1, size - at);
    System.arraycopy(list.sims(), at, sims, at + 1, size - at);
    return new Links(ids, sims);
  }

  /** The share of a full list's capacity that a selection on overflow keeps (see {@link #link}). */
  static final float REFILL_SHARE = 0.75f;

  /**
   * The relaxation of the diversity rule's second pass (see {@link #select}): DiskANN's and
   * JVector's alpha.
   */
  static final float ALPHA = 1.2f;

  /**
   * The heuristic of Algorithm 4 over candidates whose similarity to the base is known, in two
   * passes, as Vamana (DiskANN) and JVector select. First the paper's rule: take candidates best
   * first, keeping one only if it is closer to the base than to every one already kept. Then, while
   * the list has room, the candidates that rule discarded, best first, each kept unless a kept one
   * is within 1/{@link #ALPHA} of its distance to the base (distances as {@link
   * GraphVectors#separation} gives them; multivectors have none and stop after the first pass). The
   * relaxed members are longer edges that save a walk some steps (measured against JVector's graph
   * in bench/README.md). Each candidate's comparisons with the kept ones are remembered between the
   * passes, so the second scores it only against members kept since.
   */
  private Links select(Candidates candidates, int max) {
    int[] order = candidates.bestFirstPositions();
    int limit = Math.min(max, order.length);
    int[] kept = new int[limit];
    float[] keptSims = new float[limit];
    float[] best = new float[order.length]; // each candidate's best similarity to kept[0, checked)
    int[] checked = new int[order.length];
    boolean[] taken = new boolean[order.length];
    int[] chunk = new int[CHUNK];
    float[] scores = new float[CHUNK];
    int n = 0;
    GraphVectors.NodeScorer cv = null;
    try {
      for (int i = 0; i < order.length && n < max; i++) {
        int c = candidates.node(order[i]);
        float toBase = candidates.similarity(order[i]);
        float b = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (n > 0) {
          cv = cv == null ? scorer(c) : cv.at(c);
          while (j < n && b < toBase) {
            b = Math.max(b, bestOfChunk(cv, kept, j, n, chunk, scores));
            j = Math.min(n, j + CHUNK);
          }
        }
        best[i] = b;
        checked[i] = j;
        if (b < toBase) {
          taken[i] = true;
          kept[n] = c;
          keptSims[n++] = toBase;
        }
      }
      if (n < max && !Float.isNaN(vectors.separation(0))) {
        int strict = n;
        for (int i = 0; i < order.length && n < max; i++) {
          if (taken[i]) {
            continue;
          }
          int c = candidates.node(order[i]);
          float toBase = candidates.similarity(order[i]);
          float b = best[i];
          float bound = vectors.separation(toBase);
          int j = checked[i];
          if (j < n && ALPHA * vectors.separation(b) > bound) {
            cv = cv == null ? scorer(c) : cv.at(c);
            while (j < n && ALPHA * vectors.separation(b) > bound) {
              b = Math.max(b, bestOfChunk(cv, kept, j, n, chunk, scores));
              j = Math.min(n, j + CHUNK);
            }
            best[i] = b;
            checked[i] = j;
          }
          if (ALPHA * vectors.separation(b) > bound) {
            kept[n] = c;
            keptSims[n++] = toBase;
          }
        }
        if (n > strict) {
          Links l = new Links(Arrays.copyOf(kept, n), Arrays.copyOf(keptSims, n));
          sortBestFirst(l);
          return l;
        }
      }
    } finally {
      if (cv != null) {
        scorerPool.offer(cv);
      }
    }
    return new Links(Arrays.copyOf(kept, n), Arrays.copyOf(keptSims, n));
  }

  /**
   * How many kept members a selection scores a candidate against at once: four share each load of
   * the candidate's vector (see {@link OffHeapVectors#similarities}); a candidate found too close
   * to one is dropped after its chunk.
   */
  private static final int CHUNK = 4;

  /** The best of {@code scorer}'s similarities to {@code kept[from, min(from + CHUNK, n))}. */
  private static float bestOfChunk(
      SlotScorer scorer, int[] kept, int from, int n, int[] chunk, float[] scores) {
    int count = Math.min(CHUNK, n - from);
    System.arraycopy(kept, from, chunk, 0, count);
    scorer.scores(chunk, count, scores);
    float best = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < count; i++) {
      best = Math.max(best, scores[i]);
    }
    return best;
  }

  /** Insertion sort of a short list by similarity, best first. */
  private static void sortBestFirst(Links l) {
    for (int i = 1; i < l.ids().length; i++) {
      int id = l.ids()[i];
      float s = l.sims()[i];
      int j = i - 1;
      while (j >= 0 && l.sims()[j] < s) {
        l.ids()[j + 1] = l.ids()[j];
        l.sims()[j + 1] = l.sims()[j];
        j--;
      }
      l.ids()[j + 1] = id;
      l.sims()[j + 1] = s;
    }
  }

  /**
   * The {@code ef} best admitted nodes by {@code scorer}'s scores: the full vectors', or quantized
   * codes' (then the similarities are estimates, for the caller to rescore).
   */
  public Candidates search(SlotScorer scorer, int ef, IntPredicate accept) {
    return search(scorer, ef, accept, false);
  }

  /**
   * As {@link #search(SlotScorer, int, IntPredicate)}; with {@code acorn} the bottom layer is
   * walked as ACORN-1 does (see {@link #searchLayerAcorn}).
   */
  public Candidates search(SlotScorer scorer, int ef, IntPredicate accept, boolean acorn) {
    return descend(scorer, entry, ef, accept, null, acorn);
  }

  /**
   * In a graph of groups, the {@code ef} best admitted nodes of group {@code g}, walking its nodes
   * only (the bottom layer as ACORN-1 does with {@code acorn}).
   */
  public Candidates searchGroup(
      SlotScorer scorer, int ef, IntPredicate accept, int g, boolean acorn) {
    return descend(scorer, entryOf(g, -1, 0), ef, accept, x -> group.applyAsInt(x) == g, acorn);
  }

  /**
   * The paper's search from entry {@code ep} ({@code (level << 32) | node}, negative: none): greedy
   * steps down to layer 1, then the {@code ef} best admitted nodes on the bottom layer, walking the
   * nodes {@code within} admits (all: null).
   */
  private Candidates descend(
      SlotScorer scorer, long ep, int ef, IntPredicate accept, IntPredicate within, boolean acorn) {
    if (ep < 0) {
      return new Candidates(0);
    }
    int node = (int) ep;
    for (int l = (int) (ep >>> 32); l > 0; l--) {
      node = walks.greedy(scorer, node, l, within);
    }
    if (acorn && accept != null) {
      Candidates found =
          walks.acorn(scorer, node, scorer.score(node), ef, accept, RequestScope.current(), within);
      if (found.size() >= ef) {
        return found;
      }
      // the walk ran dry before it found ef matches: they lie further apart than two hops (a
      // filter whose matches cluster away from the query's part of the graph); the plain walk
      // goes through the rejected nodes as well
    }
    // a query stops at its deadline; a build (the scope UNBOUNDED above) never stops halfway
    return walks.layer(
        scorer,
        Candidates.of(node, scorer.score(node)),
        ef,
        0,
        accept,
        RequestScope.current(),
        within);
  }

  /**
   * Takes {@code node} out of a graph of groups (its group changed, or it has none now): its list
   * is dropped; other nodes' links to it are not followed by walks of their group. Must not run
   * with inserts or removals (the caller holds the indexing lock).
   */
  public void unlink(int node) {
    links.clear(node);
  }

  /**
   * Takes the nodes {@code dead} admits out of the graph (Qdrant's vacuum, without a rebuild):
   * every other node that links to one gets that list re-selected with the heuristic of {@link
   * #select} from its other neighbours and the neighbours of the dead ones it linked to, so the
   * graph stays navigable; then the dead nodes' lists are dropped and, if the entry point was dead,
   * the live node on the highest layer becomes it. Searches may run meanwhile (one standing on a
   * removed node sees no neighbours); inserts must not (the caller holds the indexing lock).
   *
   * @param nodes the slots to look at ({@code [0, nodes)})
   * @return the nodes removed, free to be inserted again with new vectors
   */
  public int[] remove(IntPredicate dead, int nodes) {
    BitSet gone = new BitSet(nodes);
    int count = 0;
    for (int n = 0; n < nodes; n++) {
      if (contains(n) && dead.test(n)) {
        gone.set(n);
        count++;
      }
    }
    if (count == 0) {
      return new int[0];
    }
    GraphVectors.NodeScorer base = vectors.nodeScorer();
    for (int n = 0; n < nodes; n++) {
      if (gone.get(n) || !contains(n)) {
        continue;
      }
      int levels = links.levels(n);
      for (int l = 0; l < levels; l++) {
        Links cur = links(n, l);
        boolean touched = false;
        for (int x : cur.ids()) {
          if (x < nodes && gone.get(x)) {
            touched = true;
            break;
          }
        }
        if (!touched) {
          continue;
        }
        base.at(n);
        int own = group == null ? 0 : group.applyAsInt(n);
        IntPredicate within = group == null ? null : x -> group.applyAsInt(x) == own;
        int capacity = cur.ids().length;
        for (int x : cur.ids()) {
          if (x < nodes && gone.get(x)) {
            capacity += neighbours(x, l).length;
          }
        }
        Candidates pool = new Candidates(capacity + 1);
        final Set<Integer> seen = new HashSet<>();
        seen.add(n);
        for (int i = 0; i < cur.ids().length; i++) {
          int x = cur.ids()[i];
          if (!(x < nodes && gone.get(x)) && (within == null || within.test(x)) && seen.add(x)) {
            pool.add(x, cur.sims()[i]);
          }
        }
        for (int x : cur.ids()) {
          if (x < nodes && gone.get(x)) {
            for (int y : neighbours(x, l)) {
              if (!(y < nodes && gone.get(y))
                  && contains(y)
                  && (within == null || within.test(y))
                  && seen.add(y)) {
                pool.add(y, base.score(y));
              }
            }
          }
        }
        int max = l == 0 ? 2 * m : m;
        {
          // its neighbourhood may have died together: search for more from it, through the dead
          // nodes, which are still linked until the end (as an insert would)
          final int self = n;
          Candidates more =
              walks.layer(
                  base,
                  Candidates.of(n, base.score(n)),
                  efConstruct,
                  l,
                  x -> x != self && !(x < nodes && gone.get(x)),
                  RequestScope.UNBOUNDED,
                  within);
          Candidates merged = new Candidates(pool.size() + more.size() + 1);
          for (int k = 0; k < pool.size(); k++) {
            merged.add(pool.node(k), pool.similarity(k));
          }
          for (int k = 0; k < more.size(); k++) {
            if (seen.add(more.node(k))) {
              merged.add(more.node(k), more.similarity(k));
            }
          }
          pool = merged;
        }
        Links selected = select(pool, max);
        synchronized (lock(n)) {
          setLinks(n, l, selected);
        }
        // and back, as an insert links: a node whose in-links all came from dead nodes would
        // otherwise be unreachable
        for (int k = 0; k < selected.ids().length; k++) {
          link(selected.ids()[k], n, selected.sims()[k], l, max);
        }
      }
    }
    int[] removed = new int[count];
    int i = 0;
    for (int n = gone.nextSetBit(0); n >= 0; n = gone.nextSetBit(n + 1)) {
      links.clear(n);
      removed[i++] = n;
    }
    synchronized (growLock) {
      if (entry != -1 && gone.get((int) entry)) {
        long next = -1;
        for (int n = 0; n < nodes; n++) {
          int top = links.levels(n) - 1;
          if (top >= 0 && (next == -1 || top > (int) (next >>> 32))) {
            next = ((long) top << 32) | n;
          }
        }
        entry = next;
      }
    }
    repair.reconnect(nodes);
    return removed;
  }

  /**
   * When a reachability check ({@link #repair}) is due, by the nodes inserted since the last one. A
   * check walks every node, so the thresholds keep it a small share of the build.
   */
  public enum Check {
    /** While inserts stream in: a quarter of the graph (at least 1,024) came since. */
    GROWN(4, 1024),
    /** When the queue of inserts has run dry: a sixty-fourth of the graph (at least 64). */
    IDLE(64, 64),
    /** Whenever a node came since (a caller waiting for the graph to be built). */
    ANY(0, 1);

    private final int share;
    private final int least;

    Check(int share, int least) {
      this.share = share;
      this.least = least;
    }

    boolean due(int since, int checked) {
      return since >= Math.max(least, share == 0 ? 0 : checked / share);
    }
  }

  /**
   * Makes every node reachable again on each of its layers, if a check is due ({@code when}); see
   * {@link GraphRepair}. Inserts and removals must not run meanwhile (the caller holds the indexing
   * lock); searches may.
   *
   * @return the nodes linked again
   */
  public int repair(Check when) {
    return repair.run(when, vectors.size());
  }

  /** The nodes of {@code [0, nodes)} that the bottom layer's walks do not reach (for tests). */
  int unreachable(int nodes) {
    return repair.unreachable(nodes);
  }

  /** Writes the graph: entry point, then each node's levels and neighbour lists. */
  public void write(DataOutputStream out, int nodes) throws IOException {
    out.writeLong(entry);
    out.writeInt(nodes);
    for (int n = 0; n < nodes; n++) {
      int levels = links.levels(n); // 0 levels: not in the graph
      out.writeByte(levels);
      for (int l = 0; l < levels; l++) {
        Links list = links(n, l);
        out.writeShort(list.ids().length);
        for (int x : list.ids()) {
          out.writeInt(x);
        }
      }
    }
  }

  /** Writes a graph of groups' entries (its lists are written by {@link #write}). */
  public void writeGroupEntries(DataOutputStream out) throws IOException {
    var entries = new TreeMap<>(groupEntries);
    out.writeInt(entries.size());
    for (var e : entries.entrySet()) {
      out.writeInt(e.getKey());
      out.writeLong(e.getValue());
    }
  }

  /** Reads entries written by {@link #writeGroupEntries} into this (empty) graph of groups. */
  public void readGroupEntries(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("negative group count " + n);
    }
    for (int i = 0; i < n; i++) {
      groupEntries.put(in.readInt(), in.readLong());
    }
  }

  /** Reads past a graph written by {@link #write} (of a vector no longer in the collection). */
  public static void skip(DataInputStream in) throws IOException {
    in.readLong();
    int nodes = in.readInt();
    for (int n = 0; n < nodes; n++) {
      int levels = in.readUnsignedByte();
      for (int l = 0; l < levels; l++) {
        in.skipNBytes(4L * in.readUnsignedShort());
      }
    }
  }

  /**
   * Reads a graph written by {@link #write} into this (empty) index; the neighbours' similarities
   * are recomputed from the vectors, which are loaded first. A list longer than this index keeps
   * (the graph was built with a larger {@code m}) is selected again down to its capacity, as a full
   * list is on insert ({@link #select}): its nearest members alone would drop the long links that
   * keep a sparser graph navigable.
   */
  public void read(DataInputStream in) throws IOException {
    long e = in.readLong();
    int nodes = in.readInt();
    GraphVectors.NodeScorer v = vectors.nodeScorer();
    for (int n = 0; n < nodes; n++) {
      int levels = in.readUnsignedByte();
      if (levels == 0) {
        continue; // a slot that was not in the graph
      }
      links.init(n, levels);
      v.at(n);
      for (int l = 0; l < levels; l++) {
        int[] list = new int[in.readUnsignedShort()];
        float[] sims = new float[list.length];
        for (int i = 0; i < list.length; i++) {
          list[i] = in.readInt();
          sims[i] = v.score(list[i]);
        }
        int max = l == 0 ? 2 * m : m;
        Links kept;
        if (list.length > max) {
          Candidates pool = new Candidates(list.length);
          for (int i = 0; i < list.length; i++) {
            pool.add(list[i], sims[i]);
          }
          kept = select(pool, max);
        } else {
          kept = new Links(list, sims);
          sortBestFirst(kept);
        }
        links.write(n, l, kept.ids(), kept.sims(), kept.ids().length);
      }
      repair.added(); // written by an older build, perhaps never checked
    }
    entry = e;
  }

  /** Unmaps the graph's files; no search or insert may follow. */
  @Override
  public void close() {
    links.close();
  }
}
