package dev.quiver.storage.internal.space;

import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PointId;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.internal.hnsw.Candidates;
import dev.quiver.storage.internal.hnsw.GraphVectors;
import dev.quiver.storage.internal.hnsw.HnswIndex;
import dev.quiver.storage.internal.vector.SlotTable;
import dev.quiver.storage.internal.vector.TopK;
import dev.quiver.storage.internal.vector.VectorMath;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;

/**
 * One named multivector space of a shard ({@code multivector_config} with {@code max_sim}): each
 * point's list of vectors by slot (see {@link HeapSpace}), prepared (Cosine rows at unit length)
 * and held as the vector's {@code datatype} stores them ({@link Rows}), and an HNSW graph over the
 * points as Qdrant builds one: a node per point, linked by MaxSim with the inserted point's rows as
 * the query. Scoring is MaxSim, the sum over the query's rows of the best dot product with the
 * point's rows.
 *
 * <p>The graph is built in the background ({@link GraphIndexer}) once the rows pass the indexing
 * threshold, and not at all with {@code m = 0} (Qdrant's setting for a vector that only reranks);
 * it is derived data, not in the checkpoint, and rebuilt when the shard opens (searches scan the
 * rows not yet in it). A deleted point's rows stay with its graph node, which searches walk
 * through, until the vacuum takes the node out as for dense vectors.
 *
 * <p>Single writer; searches run concurrently with it and with the indexer.
 */
public final class MultiSpace extends HeapSpace<Rows> implements AutoCloseable {
  final VectorParams params;
  private volatile HnswConfig hnsw;
  private volatile OptimizersConfig optimizers;

  /** The graph, or null for a space read past (a vector deleted since its checkpoint). */
  private final HnswIndex graph;

  private final GraphIndexer indexer;

  /**
   * The rows of every slot in the graph or waiting for it: a deleted point's stay while its node is
   * linked, so walks through the node still score it.
   */
  private final SlotTable<Rows> graphRows = new SlotTable<>();

  private volatile long liveRows;

  /** Graph nodes whose point is gone (approximate: the vacuum recounts). */
  private final AtomicInteger dead = new AtomicInteger();

  private volatile boolean vacuuming;

  /** Points scored by MaxSim, by searches, scans and graph building alike. */
  private final LongAdder scored = new LongAdder();

  /** A space whose vectors are only read past: no graph. */
  public MultiSpace() {
    this.params = null;
    this.graph = null;
    this.indexer = null;
  }

  /** A space for {@code params}, its graph's working files under {@code graphDir}. */
  public MultiSpace(
      VectorParams params,
      HnswConfig hnsw,
      OptimizersConfig optimizers,
      Path graphDir,
      IndexThreads threads) {
    this.params = params;
    this.hnsw = hnsw;
    this.optimizers = optimizers;
    this.graph = new HnswIndex(new Nodes(), graphDir, hnsw.m(), hnsw.efConstruct(), 42);
    this.indexer =
        new GraphIndexer(
            GraphIndexer.Graph.of(graph),
            owners,
            threads,
            this::indexing,
            () -> this.hnsw.maxIndexingThreads(),
            this::chore,
            slot -> graphRows.set(slot, null));
  }

  /** Takes a changed configuration: the search defaults and thresholds apply at once. */
  public void configure(HnswConfig hnsw, OptimizersConfig optimizers) {
    this.hnsw = hnsw;
    this.optimizers = optimizers;
    if (indexer != null) {
      indexer.wake();
    }
  }

  /** {@code rows} (prepared) as this space stores them. */
  public Rows rows(float[][] rows) {
    return Rows.of(rows, params == null ? null : params.storedAs());
  }

  @Override
  public int add(PointId id, Rows v) {
    int slot = super.add(id, v);
    if (indexing()) {
      indexer.wake();
    }
    return slot;
  }

  @Override
  void added(int slot, Rows v) {
    liveRows += v.count();
    if (graph != null) {
      graphRows.set(slot, v);
      indexer.restore(slot); // queued; add() or restored() wakes the indexer
    }
  }

  @Override
  void removed(int slot, Rows v) {
    liveRows -= v.count();
    if (graph == null) {
      return;
    }
    if (indexer.withdraw(slot)) {
      graphRows.set(slot, null); // never reached the graph
      return;
    }
    dead.incrementAndGet(); // a tombstone until the next vacuum
    if (vacuumDue()) {
      indexer.wake();
    }
  }

  @Override
  public void restored() {
    super.restored();
    if (indexer != null) {
      indexer.wake();
    }
  }

  @Override
  void writeVector(DataOutputStream out, Rows v) throws IOException {
    // widened: a narrow value is exact as a float, so the checkpoint's format does not change
    ShardCodec.writeRows(out, v.toFloats());
  }

  @Override
  Rows readVector(DataInputStream in) throws IOException {
    return rows(ShardCodec.readRows(in));
  }

  // ---- scoring ----

  /**
   * MaxSim: for each query row, the best dot product with a row of {@code doc}, summed. Each row of
   * {@code doc} is widened once into {@code buffer}; {@code best} holds a value a query row.
   */
  static float maxSim(float[][] query, Rows doc, float[] buffer, float[] best) {
    Arrays.fill(best, 0, query.length, Float.NEGATIVE_INFINITY);
    for (int r = 0; r < doc.count(); r++) {
      float[] d = doc.row(r, buffer);
      for (int q = 0; q < query.length; q++) {
        best[q] = Math.max(best[q], VectorMath.dot(query[q], d));
      }
    }
    float sum = 0;
    for (int q = 0; q < query.length; q++) {
      sum += best[q];
    }
    return sum;
  }

  /**
   * The similarity the graph is built by: MaxSim both ways, each divided by its query's rows, and
   * averaged (symmetric Chamfer similarity), from one pass over the row pairs. MaxSim itself grows
   * with the query's row count, so a neighbour selection comparing MaxSims of queries of different
   * lengths prunes long points and keeps short ones. Measured on 8,000 clustered multivectors (16
   * dimensions, 2-6 rows): recall@10 at ef=32 0.957 with MaxSim links against 0.983 with these, at
   * ef=64 0.980 against 0.997, for as many points scored.
   */
  static float chamfer(float[][] a, Rows b, float[] buffer, float[] bestA, float[] bestB) {
    Arrays.fill(bestA, 0, a.length, Float.NEGATIVE_INFINITY);
    int rows = b.count();
    Arrays.fill(bestB, 0, rows, Float.NEGATIVE_INFINITY);
    for (int r = 0; r < rows; r++) {
      float[] d = b.row(r, buffer);
      float rowBest = Float.NEGATIVE_INFINITY;
      for (int q = 0; q < a.length; q++) {
        float dot = VectorMath.dot(a[q], d);
        bestA[q] = Math.max(bestA[q], dot);
        rowBest = Math.max(rowBest, dot);
      }
      bestB[r] = rowBest;
    }
    float sumA = 0;
    for (int q = 0; q < a.length; q++) {
      sumA += bestA[q];
    }
    float sumB = 0;
    for (int r = 0; r < rows; r++) {
      sumB += bestB[r];
    }
    return (sumA / a.length + sumB / rows) / 2;
  }

  /**
   * Scores slots against query rows: by MaxSim for a search, by {@link #chamfer} when pointed at a
   * node to build the graph. One thread.
   */
  private final class QueryScorer implements GraphVectors.NodeScorer {
    private float[][] query;
    private float[] buffer;
    private float[] best;
    private float[] docBest = new float[16];
    private boolean building;

    QueryScorer query(float[][] rows) {
      this.query = rows;
      if (buffer == null || buffer.length != rows[0].length) {
        buffer = new float[rows[0].length];
      }
      if (best == null || best.length < rows.length) {
        best = new float[rows.length];
      }
      return this;
    }

    @Override
    public GraphVectors.NodeScorer at(int node) {
      building = true;
      return query(graphRows.get(node).toFloats());
    }

    @Override
    public float score(int slot) {
      Rows doc = graphRows.get(slot);
      if (doc == null) {
        return Float.NEGATIVE_INFINITY;
      }
      scored.increment();
      if (!building) {
        return maxSim(query, doc, buffer, best);
      }
      if (docBest.length < doc.count()) {
        docBest = new float[Math.max(doc.count(), docBest.length * 2)];
      }
      return chamfer(query, doc, buffer, best, docBest);
    }
  }

  /** The graph's view of the rows. */
  private final class Nodes implements GraphVectors {
    @Override
    public int size() {
      return slots();
    }

    @Override
    public NodeScorer nodeScorer() {
      return new QueryScorer();
    }
  }

  // ---- search ----

  /** The exact best {@code k} of {@code candidates} (prepared query rows). */
  public List<TopK.Hit> scan(
      float[][] query, int k, Float threshold, int[] candidates, IntPredicate accept) {
    RequestScope scope = RequestScope.current();
    TopK top = new TopK(k);
    float[] buffer = new float[query[0].length];
    float[] best = new float[query.length];
    for (int slot : candidates) {
      scope.tick();
      Rows v = vectors.get(slot);
      if (v == null || !accept.test(slot)) {
        continue;
      }
      scored.increment();
      float s = maxSim(query, v, buffer, best);
      if (threshold == null || s >= threshold) {
        top.offer(slot, s);
      }
    }
    return top.bestFirst();
  }

  /**
   * Whether a search should walk the graph: there is one with nodes, {@code m} is not 0, and the
   * rows of {@code candidates} points are over {@code full_scan_threshold} (KB).
   */
  public boolean graphServes(int candidates) {
    if (graph == null || graph.isEmpty() || hnsw.m() == 0) {
      return false;
    }
    int live = live();
    long bytes =
        live == 0
            ? 0
            : (long) ((double) liveRows / live * candidates * params.size() * Float.BYTES);
    return bytes / 1024 > hnsw.fullScanThreshold();
  }

  /** The {@code ef} used by default: the graph's {@code ef_construct}. */
  public int defaultEf() {
    return hnsw.efConstruct();
  }

  /**
   * The best {@code k} admitted slots for {@code query} (prepared rows) by a graph walk keeping
   * {@code ef} (the bottom layer as ACORN-1 walks it with {@code acorn}), with the slots not yet in
   * the graph scored exactly.
   */
  public List<TopK.Hit> search(
      float[][] query, int ef, int k, Float threshold, IntPredicate accept, boolean acorn) {
    QueryScorer scorer = new QueryScorer().query(query);
    // the pending slots before the walk (see VectorSpace's walk): a slot inserted during the walk
    // may be found both ways, and is offered once
    Map<Integer, Float> pending = new HashMap<>();
    indexer.forEachPending(
        slot -> {
          if (vectors.get(slot) != null && accept.test(slot)) {
            pending.put(slot, scorer.score(slot));
          }
        });
    Candidates found = graph.search(scorer, Math.max(ef, k), accept, acorn);
    TopK top = new TopK(k);
    for (int i = 0; i < found.size(); i++) {
      pending.remove(found.node(i));
      offer(top, found.node(i), found.similarity(i), threshold);
    }
    pending.forEach((slot, score) -> offer(top, slot, score, threshold));
    return top.bestFirst();
  }

  private static void offer(TopK top, int slot, float score, Float threshold) {
    if (threshold == null || score >= threshold) {
      top.offer(slot, score);
    }
  }

  // ---- background indexing and vacuum ----

  /** Whether the graph is being built: {@code m} is not 0 and the rows pass the threshold. */
  private boolean indexing() {
    if (graph == null || hnsw.m() == 0) {
      return false;
    }
    int threshold = optimizers.indexingThreshold();
    return threshold > 0 && liveRows * params.size() * Float.BYTES / 1024 >= threshold;
  }

  private boolean vacuumDue() {
    int d = dead.get();
    OptimizersConfig o = optimizers;
    return d > 0
        && d >= o.vacuumMinVectorNumber()
        && d >= o.deletedThreshold() * (d + (double) live());
  }

  /** Points scored by MaxSim since the space opened. */
  long scored() {
    return scored.sum();
  }

  /** Graph nodes whose point is gone, waiting for the vacuum. */
  int tombstones() {
    return dead.get();
  }

  /** Whether the vacuum is running (the collection is optimizing). */
  public boolean vacuuming() {
    return vacuuming;
  }

  /** The indexer's chore before each batch: the vacuum, when due; true if it ran. */
  private boolean chore() {
    if (!vacuumDue()) {
      return false;
    }
    vacuum();
    return true;
  }

  /** Takes the deleted points out of the graph and lets their rows go. */
  private void vacuum() {
    indexer.lock.lock();
    vacuuming = true;
    try {
      for (int slot : graph.remove(slot -> owners.get(slot) == null, slots())) {
        graphRows.set(slot, null);
      }
      int d = 0; // deletes meanwhile are counted again
      for (int slot = 0; slot < slots(); slot++) {
        if (owners.get(slot) == null && graph.contains(slot)) {
          d++;
        }
      }
      dead.set(d);
    } finally {
      vacuuming = false;
      indexer.lock.unlock();
    }
  }

  /** Points waiting for the graph while it is being built. */
  public int indexBacklog() {
    return indexing() ? indexer.pendingCount() : 0;
  }

  /** Points appended but not yet in the graph. */
  public int pendingCount() {
    return indexer == null ? 0 : indexer.pendingCount();
  }

  /** Builds the graph of everything pending now, whatever the threshold: the caller waits. */
  public void drainIndex() {
    if (graph != null && hnsw.m() > 0) {
      indexer.drain(() -> {});
    }
  }

  /** Stops the indexer and unmaps the graph's files. */
  @Override
  public void close() {
    if (graph != null) {
      indexer.close();
      graph.close();
    }
  }
}
