package dev.quiver.storage.internal.space;

import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.PointId;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.QuantizationParams;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.internal.hnsw.Candidates;
import dev.quiver.storage.internal.hnsw.HnswIndex;
import dev.quiver.storage.internal.vector.Epochs;
import dev.quiver.storage.internal.vector.OffHeapVectors;
import dev.quiver.storage.internal.vector.SlotScorer;
import dev.quiver.storage.internal.vector.SlotTable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.IntPredicate;
import java.util.function.IntSupplier;

/**
 * One named vector space of a shard: the off-heap vectors, the HNSW index over them, which point
 * owns each slot, and the quantized codes when the vector is quantized. Single writer (the shard's
 * apply path); searches run concurrently.
 */
public final class VectorSpace implements AutoCloseable {
  final VectorParams params;
  public volatile HnswConfig hnsw;

  /**
   * Qdrant's {@code indexing_threshold} in KB: below it the space is searched by scanning and no
   * graph is built; 0 turns indexing off (bulk loads), until it is raised again.
   */
  private volatile int indexingThresholdKb;

  public final OffHeapVectors vectors;
  final Epochs epochs;
  public final HnswIndex index;
  public final SlotTable<PointId> owners = new SlotTable<>();
  private volatile int live;

  public VectorSpace(Path dir, VectorParams params, HnswConfig hnsw, IndexThreads threads) {
    this(
        dir,
        dir.resolve("graph"),
        dir.resolve("tenants"),
        params,
        hnsw,
        1,
        0,
        new Epochs(),
        threads,
        null);
  }

  /**
   * A space whose first {@code restoredSize} vectors come from a checkpoint; its freed slots are
   * used again as {@code epochs} (the shard's reads) allow. The graph's working files go to {@code
   * graphDir} (derived data: the graph itself is in the checkpoint), those of its tenant links to
   * {@code tenantDir} (an empty directory, or none yet: the links are made from the payloads).
   */
  public VectorSpace(
      Path dir,
      Path graphDir,
      Path tenantDir,
      VectorParams params,
      HnswConfig hnsw,
      int indexingThresholdKb,
      int restoredSize,
      Epochs epochs,
      IndexThreads threads,
      Quantization quantization) {
    this.epochs = epochs;
    this.params = params;
    this.hnsw = hnsw;
    this.indexingThresholdKb = indexingThresholdKb;
    this.vectors = new OffHeapVectors(dir, params.size(), restoredSize, params.storedAs());
    if (!Boolean.TRUE.equals(params.onDisk()) && restoredSize > 0) {
      vectors.load(); // in RAM unless on_disk: reopened vectors are read in now, not on first use
    }
    this.index =
        new HnswIndex(vectors, graphDir, params.distance(), hnsw.m(), hnsw.efConstruct(), 42);
    this.tenantDir = tenantDir;
    this.codes = new SpaceCodes(dir, params, vectors, owners, epochs, quantization, restoredSize);
    this.indexer =
        new GraphIndexer(
            new GraphIndexer.Graph() {
              @Override
              public void insert(int slot) {
                insertSlot(slot);
              }

              @Override
              public boolean contains(int slot) {
                return inGraph(slot);
              }

              @Override
              public void repair(HnswIndex.Check when) {
                index.repair(when);
                for (TenantLinks t : tenants.values()) {
                  t.graph.repair(when);
                }
              }
            },
            owners,
            threads,
            this::indexing,
            () -> this.hnsw.maxIndexingThreads(),
            this::chore,
            this::retire);
  }

  // ---- quantization ----

  /** The quantized codes, trained once the graph is being built. */
  private final SpaceCodes codes;

  /**
   * Changes the quantization (a collection update): the codes of the old one are dropped, and the
   * indexer trains the new one when the graph is being built.
   */
  public void setQuantization(Quantization next) {
    if (codes.set(next)) {
      indexer.wake();
    }
  }

  /** Whether the quantized codes are trained and searched. */
  public boolean quantized() {
    return codes.trained();
  }

  /** Bytes of one vector's code, or 0 without codes. */
  public int codeBytes() {
    return codes.codeBytes();
  }

  /** Bytes one vector takes in RAM: its code when quantized codes are held in memory. */
  public long residentBytesPerVector() {
    return codes.residentBytesPerVector();
  }

  /**
   * The {@code ef} best admitted slots for {@code q} (prepared) by a graph walk, with the slots not
   * yet in the graph: over the quantized codes when there are codes and {@code params} does not
   * ignore them (see {@link #rescored}), else over the full vectors.
   */
  public Candidates search(
      float[] q, int ef, int keep, IntPredicate accept, QuantizationParams params) {
    return search(q, ef, keep, accept, params, false);
  }

  /**
   * As {@link #search(float[], int, int, IntPredicate, QuantizationParams)}; with {@code acorn} the
   * graph's bottom layer is walked as ACORN-1 does ({@link HnswIndex#search(SlotScorer, int,
   * IntPredicate, boolean)}).
   */
  public Candidates search(
      float[] q, int ef, int keep, IntPredicate accept, QuantizationParams params, boolean acorn) {
    if (acorn) {
      acornWalks.increment();
    }
    return walk(q, ef, keep, accept, params, (scorer, e) -> index.search(scorer, e, accept, acorn));
  }

  private final LongAdder acornWalks = new LongAdder();

  /** Searches that walked the graph as ACORN-1 does (a tenant's links included). */
  public long acornWalks() {
    return acornWalks.sum();
  }

  /** A graph walk over {@code (scorer, ef)}, with the pending slots, quantized as above. */
  private Candidates walk(
      float[] q,
      int ef,
      int keep,
      IntPredicate accept,
      QuantizationParams params,
      BiFunction<SlotScorer, Integer, Candidates> graph) {
    SlotScorer quantized = codes.scorer(q, params);
    SlotScorer scorer = quantized == null ? vectors.scorer(this.params.distance(), q) : quantized;
    // the pending slots first: the indexer takes a slot off them only once it is in the graph, so
    // a slot read here as not pending was in the graph before the walk began; read after the
    // walk, a slot inserted behind the walk and taken off meanwhile would be missed both ways
    Candidates pending = new Candidates(16);
    indexer.forEachPending(
        slot -> {
          if (accept.test(slot)) {
            pending.add(slot, scorer.score(slot));
          }
        });
    if (quantized == null) {
      Candidates found = graph.apply(scorer, ef);
      found.addAll(pending);
      return found;
    }
    int candidates = codes.candidates(keep, params);
    Candidates found = graph.apply(scorer, Math.max(ef, candidates));
    found.addAll(pending);
    return codes.rescored(found, q, keep, candidates, params);
  }

  /** The best {@code k} admitted slots by a scan: of the codes when quantized, as above. */
  public Candidates scan(float[] q, int k, IntPredicate accept, QuantizationParams p) {
    SlotScorer quantized = codes.scorer(q, p);
    if (quantized == null) {
      return scan(q, k, accept);
    }
    int candidates = codes.candidates(k, p);
    return codes.rescored(scanWith(quantized, candidates, accept), q, k, candidates, p);
  }

  /** The best {@code k} of {@code slots} by a scan: of the codes when quantized, as above. */
  public Candidates scanSlots(float[] q, int k, int[] slots, QuantizationParams p) {
    SlotScorer quantized = codes.scorer(q, p);
    if (quantized == null) {
      return scanSlots(q, k, slots);
    }
    int candidates = codes.candidates(k, p);
    return codes.rescored(scanSlotsWith(quantized, candidates, slots), q, k, candidates, p);
  }

  /** Marks a restored slot as owned (checkpoint load); one the graph lacks waits for it again. */
  public void restoreOwner(int slot, PointId id) {
    owners.set(slot, id);
    live++;
    if (!inGraph(slot)) {
      indexer.restore(slot);
    }
  }

  /**
   * Whether the graph is being built: {@code m} is not 0 (Qdrant's setting for no graph) and the
   * threshold is on and the vectors exceed it.
   */
  boolean indexing() {
    return (hnsw.m() > 0 || !tenants.isEmpty()) && pastThreshold();
  }

  /** Whether the threshold is on and the vectors exceed it (the quantizer is trained then). */
  private boolean pastThreshold() {
    int threshold = indexingThresholdKb;
    return threshold > 0 && (long) live * params.size() * Float.BYTES / 1024 >= threshold;
  }

  // ---- tenant links (payload_m) ----

  private final Path tenantDir;
  private int tenantDirs; // the writer's: each set of links gets a directory of its own

  /** The links of each tenant field, by field. */
  private volatile Map<String, TenantLinks> tenants = Map.of();

  /**
   * Makes the tenant links exactly those of {@code fields} (the keyword and uuid indexes marked
   * {@code is_tenant}), with this space's {@code payload_m} ({@code m} when unset; none when 0).
   * Returns the fields whose links are new: the caller assigns every point's tenant to them. Called
   * by the shard's writer.
   */
  public Set<String> tenantFields(Set<String> fields) {
    int m = hnsw.tenantM();
    Map<String, TenantLinks> next = new HashMap<>();
    Set<String> fresh = new HashSet<>();
    List<TenantLinks> dropped = new ArrayList<>();
    indexer.lock.lock();
    try {
      for (TenantLinks t : tenants.values()) {
        if (m > 0 && fields.contains(t.field) && t.m == m) {
          next.put(t.field, t);
          if (t.restored) { // read from the checkpoint: checked against the payloads once
            t.restored = false;
            fresh.add(t.field);
          }
        } else {
          dropped.add(t);
        }
      }
      for (String f : fields) {
        if (m > 0 && !next.containsKey(f)) {
          next.put(
              f,
              new TenantLinks(
                  f,
                  vectors,
                  tenantDir.resolve(String.valueOf(tenantDirs++)),
                  params.distance(),
                  m,
                  hnsw.efConstruct()));
          fresh.add(f);
        }
      }
      tenants = Map.copyOf(next);
    } finally {
      indexer.lock.unlock();
    }
    for (TenantLinks t : dropped) {
      retiredTenants.add(new RetiredTenants(t, epochs.current()));
    }
    indexer.wake();
    return fresh;
  }

  /** Links dropped while searches may still walk them, closed once none can. */
  private final ConcurrentLinkedQueue<RetiredTenants> retiredTenants =
      new ConcurrentLinkedQueue<>();

  private record RetiredTenants(TenantLinks links, long epoch) {}

  /** The tenant fields this space keeps links for. */
  public Set<String> tenantFields() {
    return tenants.keySet();
  }

  /**
   * Records the tenant of {@code slot} in {@code field}'s links (a term, or null for none, or
   * several values). Called by the shard's writer for each point it writes.
   */
  public void assignTenant(String field, int slot, Object term, boolean severalValues) {
    TenantLinks t = tenants.get(field);
    if (t != null) {
      t.assign(slot, term, severalValues);
    }
  }

  /** Whether a search for one tenant of {@code field} walks that tenant's links. */
  public boolean tenantServes(String field) {
    return tenants.containsKey(field) && pastThreshold();
  }

  /**
   * The {@code ef} best admitted slots for {@code q} among the tenant {@code term} of {@code
   * field}: a walk of that tenant's links (as ACORN-1 walks with {@code acorn}), with the slots not
   * yet linked; quantized as {@link #search} is.
   */
  public Candidates searchTenant(
      String field,
      Object term,
      float[] q,
      int ef,
      int keep,
      IntPredicate accept,
      QuantizationParams params,
      boolean acorn) {
    TenantLinks t = tenants.get(field);
    int g = t.groupOf(term);
    tenantWalks.increment();
    if (acorn) {
      acornWalks.increment();
    }
    return walk(q, ef, keep, accept, params, (scorer, e) -> t.search(scorer, e, accept, g, acorn));
  }

  private final LongAdder tenantWalks = new LongAdder();

  /** Searches that walked one tenant's links. */
  public long tenantWalks() {
    return tenantWalks.sum();
  }

  /** Slots of {@code field}'s tenants waiting to be linked again, or -1 without such links. */
  public int staleTenantSlots(String field) {
    TenantLinks t = tenants.get(field);
    return t == null ? -1 : t.staleCount();
  }

  /** What the indexer does with a slot: the graph, and the links of its tenant in each field. */
  private void insertSlot(int slot) {
    if (hnsw.m() > 0) {
      index.insert(slot);
    }
    for (TenantLinks t : tenants.values()) {
      if (t.group(slot) >= 0) {
        t.graph.insert(slot);
      }
    }
  }

  /** Whether a slot is linked into the graph or into some tenant's links. */
  private boolean inGraph(int slot) {
    if (index.contains(slot)) {
      return true;
    }
    for (TenantLinks t : tenants.values()) {
      if (t.graph.contains(slot)) {
        return true;
      }
    }
    return false;
  }

  /** Links again one batch of stale tenant slots, if any; true if it did. */
  private boolean relinkTenants(IntSupplier workers) {
    if (!pastThreshold()) {
      return false; // nothing is linked yet: searches scan
    }
    for (TenantLinks t : tenants.values()) {
      if (t.staleCount() > 0) {
        indexer.lock.lock();
        try {
          if (tenants.get(t.field) == t) {
            t.relink(
                RELINK_BATCH,
                // still to be inserted by the indexer, which reads its tenant then: a slot
                // queued, or just appended (not yet in the graph, not yet queued)
                slot -> indexer.isPending(slot) || (hnsw.m() > 0 && !index.contains(slot)),
                slot -> owners.get(slot) != null,
                (slots, insert) -> indexer.run(slots, insert, workers),
                // with m 0 the tenant links were its only graph: free it, or it stays unused
                slot -> {
                  if (!inGraph(slot)) {
                    retire(slot);
                  }
                });
          }
        } finally {
          indexer.lock.unlock();
        }
        return true;
      }
    }
    return false;
  }

  private static final int RELINK_BATCH = 512;

  /** Whether searches may walk the graph: it has nodes and {@code m} is not 0. */
  public boolean graphServes() {
    return !index.isEmpty() && hnsw.m() > 0;
  }

  /** Changes the indexing threshold (a collection update); indexing starts at once if due. */
  public void setIndexingThreshold(int kb) {
    indexingThresholdKb = kb;
    indexer.wake();
  }

  /** Stores a (prepared) vector for {@code id} and queues it for the graph; returns its slot. */
  int add(PointId id, float[] v) {
    int slot = append(id, v);
    index(new int[] {slot});
    return slot;
  }

  /**
   * Stores a (prepared) vector for {@code id} without indexing it yet; returns its slot: a slot
   * freed by a vacuum when there is one (so a collection under updates does not grow), else a new
   * one.
   */
  public int append(PointId id, float[] v) {
    return append(id, v, null);
  }

  /**
   * {@link #append(PointId, float[])} for a vector of {@code tenant} (the point's value of the
   * shard's first tenant field, or null): a large tenant's vectors go to runs of slots of their own
   * ({@link TenantSlots}).
   */
  public int append(PointId id, float[] v, Object tenant) {
    int own = tenantSlots.next(tenant, !reusable(), vectors::reserve);
    if (own >= 0) {
      vectors.set(own, v);
      codes.encode(own, v);
      owners.set(own, id);
      live++;
      return own;
    }
    Integer reused = free.poll();
    if (reused == null) {
      Retired r = retired.peek(); // appends are the only consumer: the head stays until polled
      if (r != null && epochs.reclaimable(r.epoch())) {
        reused = retired.poll().slot();
      }
    }
    int slot;
    if (reused != null) {
      slot = reused;
      vectors.set(slot, v);
    } else {
      slot = vectors.add(v);
    }
    codes.encode(slot, v);
    owners.set(slot, id);
    live++;
    return slot;
  }

  /** The shard's tenant fields changed: tenants' runs of slots start again. Writer only. */
  public void tenantLayoutChanged() {
    tenantSlots.clear();
  }

  /** Where large tenants' vectors go (the writer's). */
  private final TenantSlots tenantSlots = new TenantSlots();

  /** Whether a freed slot can be used again now. */
  private boolean reusable() {
    if (!free.isEmpty()) {
      return true;
    }
    Retired r = retired.peek();
    return r != null && epochs.reclaimable(r.epoch());
  }

  // ---- vacuum: deleted vectors leave the graph, their slots are used again ----

  /** Slots free for new vectors: neither owned nor in the graph nor pending (at load). */
  private final ConcurrentLinkedQueue<Integer> free = new ConcurrentLinkedQueue<>();

  /** A slot freed in {@code epoch}: a read that began before may still be looking at it. */
  private record Retired(int slot, long epoch) {}

  /** Slots freed while reads run, in the order freed, each used again once no read can see it. */
  private final ConcurrentLinkedQueue<Retired> retired = new ConcurrentLinkedQueue<>();

  private void retire(int slot) {
    retired.add(new Retired(slot, epochs.current()));
  }

  /** Graph nodes whose point is gone (approximate: the vacuum recounts). */
  private final AtomicInteger dead = new AtomicInteger();

  private volatile double deletedThreshold = 0.2;
  private volatile int vacuumMinVectors = 1000;
  private volatile boolean vacuuming;

  /** Qdrant's {@code deleted_threshold} and {@code vacuum_min_vector_number}. */
  public void setVacuum(double deletedThreshold, int vacuumMinVectors) {
    this.deletedThreshold = deletedThreshold;
    this.vacuumMinVectors = vacuumMinVectors;
    indexer.wake();
  }

  /** Whether enough of the graph is deleted vectors to vacuum it. */
  public boolean vacuumDue() {
    int d = dead.get();
    return d > 0 && d >= vacuumMinVectors && d >= deletedThreshold * (d + live);
  }

  /** Whether a vacuum is running (the collection is optimizing). */
  public boolean vacuuming() {
    return vacuuming;
  }

  /** Slots free to be used again (for tests and telemetry). */
  int freeSlots() {
    return free.size() + retired.size();
  }

  /**
   * Takes the deleted vectors out of the graph (see {@link HnswIndex#remove}) and frees their
   * slots. Runs in the background indexer; searches and writes go on meanwhile.
   */
  public void vacuum() {
    indexer.lock.lock();
    vacuuming = true;
    try {
      // the slots without a point, read once: the writer deletes meanwhile, and a slot read as
      // live by one graph's removal and as gone by the next would leave the second graph alone,
      // be retired, and be retired again when the first graph drops it at the next vacuum:
      // handed to two points
      int size = vectors.size();
      BitSet unowned = new BitSet(size);
      for (int slot = 0; slot < size; slot++) {
        if (owners.get(slot) == null) {
          unowned.set(slot);
        }
      }
      IntPredicate gone = unowned::get;
      BitSet removed = new BitSet();
      for (int slot : index.remove(gone, size)) {
        removed.set(slot);
      }
      for (TenantLinks t : tenants.values()) {
        for (int slot : t.graph.remove(gone, size)) {
          removed.set(slot);
        }
      }
      // a dead slot still queued leaves the queue; one taken out of a graph just now is retired
      // with the others below, once: retired twice, it would be handed to two points
      indexer.forEachPending(
          slot -> {
            if (owners.get(slot) == null && indexer.withdraw(slot) && !removed.get(slot)) {
              retire(slot);
            }
          });
      // a slot still in some graph is retired by the vacuum that takes it out of the last one
      removed.stream().filter(slot -> !inGraph(slot)).forEach(this::retire);
      dead.set(countDead());
    } finally {
      vacuuming = false;
      indexer.lock.unlock();
    }
  }

  /** Graph nodes and pending slots whose point is gone. */
  private int countDead() {
    int d = 0;
    for (int slot = 0; slot < vectors.size(); slot++) {
      if (owners.get(slot) == null && (inGraph(slot) || indexer.isPending(slot))) {
        d++;
      }
    }
    return d;
  }

  /**
   * After a checkpoint is loaded: slots neither owned nor in the graph are free, graph nodes
   * without an owner wait for the next vacuum.
   */
  public void restored() {
    int d = 0;
    for (int slot = 0; slot < vectors.size(); slot++) {
      if (owners.get(slot) == null) {
        if (inGraph(slot)) {
          d++;
        } else {
          free.add(slot);
        }
      }
    }
    dead.set(d);
    indexer.wake();
  }

  /**
   * Writes the tenant links (each field's, by field name) over {@code size} slots, with no vacuum,
   * insert or write running.
   */
  public void writeTenants(DataOutputStream out, int size) throws IOException {
    indexer.lock.lock();
    try {
      var sorted = new TreeMap<>(tenants);
      out.writeInt(sorted.size());
      for (var e : sorted.entrySet()) {
        ShardCodec.writeString(out, e.getKey());
        e.getValue().write(out, size);
      }
    } finally {
      indexer.lock.unlock();
    }
  }

  /**
   * Reads tenant links written by {@link #writeTenants} (when the shard opens, before its points);
   * the shard's payload indexes keep or drop them.
   */
  public void readTenants(DataInputStream in) throws IOException {
    int n = ShardCodec.count(in);
    Map<String, TenantLinks> read = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String field = ShardCodec.readString(in);
      read.put(
          field,
          TenantLinks.read(
              field,
              in,
              vectors,
              tenantDir.resolve(String.valueOf(tenantDirs++)),
              params.distance(),
              hnsw.efConstruct()));
    }
    tenants = Map.copyOf(read);
  }

  /** Reads past tenant links written by {@link #writeTenants}. */
  public static void skipTenants(DataInputStream in) throws IOException {
    int n = ShardCodec.count(in);
    for (int i = 0; i < n; i++) {
      ShardCodec.readString(in);
      TenantLinks.skip(in);
    }
  }

  /** Writes the graph of {@code size} slots, with no vacuum or insert running. */
  public void writeGraph(DataOutputStream out, int size) throws IOException {
    indexer.lock.lock();
    try {
      index.write(out, size);
    } finally {
      indexer.lock.unlock();
    }
  }

  // ---- background indexing ----

  private final GraphIndexer indexer;

  /** The indexer's chores before each batch: quantizer training and the vacuum. */
  private boolean chore() {
    codes.closeRetired();
    closeRetiredTenants();
    if (codes.due() && pastThreshold()) {
      codes.train();
      return true;
    }
    if (vacuumDue()) {
      vacuum();
      return true;
    }
    return relinkTenants(indexer::backgroundThreads);
  }

  private void closeRetiredTenants() {
    RetiredTenants r;
    while ((r = retiredTenants.peek()) != null && epochs.reclaimable(r.epoch())) {
      retiredTenants.poll().links().close();
    }
  }

  /** Queues appended slots for the graph (see {@link GraphIndexer}). */
  public void index(int[] slots) {
    indexer.add(slots);
  }

  /** Threads the background indexer builds with now (see {@link GraphIndexer}). */
  int backgroundThreads() {
    return indexer.backgroundThreads();
  }

  /**
   * Indexes everything pending now, whatever the threshold, on every core, and trains the quantizer
   * if it is due: the caller is waiting for it.
   */
  public void drainIndex() {
    Runnable trainIfDue =
        () -> {
          if (codes.due()) {
            codes.train();
          }
        };
    if (hnsw.m() == 0 && tenants.isEmpty()) {
      trainIfDue.run(); // no graph to build
    } else {
      indexer.drain(
          () -> {
            trainIfDue.run();
            while (relinkTenants(indexer::allCores)) {
              // every stale tenant slot linked again
            }
          });
    }
  }

  /** Slots appended but not yet in the graph. */
  public int pendingCount() {
    return indexer.pendingCount();
  }

  /** Slots waiting for the graph while it is being built (the collection is optimizing). */
  public int indexBacklog() {
    if (!indexing()) {
      return 0;
    }
    int stale = 0;
    for (TenantLinks t : tenants.values()) {
      stale += t.staleCount();
    }
    return indexer.pendingCount() + stale;
  }

  public void remove(int slot) {
    if (owners.get(slot) != null) {
      owners.set(slot, null);
      live--;
      if (indexer.withdraw(slot)) {
        retire(slot); // never reached the graph: free once no read can see it
        return;
      }
      // in the graph (or on its way there): a tombstone until the next vacuum
      dead.incrementAndGet();
      if (vacuumDue()) {
        indexer.wake();
      }
    }
  }

  public int live() {
    return live;
  }

  /** The number of slots, live, deleted or free: no search can find more vectors than this. */
  public int slots() {
    return vectors.size();
  }

  /**
   * Whether a search should scan instead of walking the graph (Qdrant's full_scan_threshold, in
   * KB).
   */
  public boolean scanIsCheaper(int candidates) {
    long kb = (long) candidates * params.size() * Float.BYTES / 1024;
    return kb <= hnsw.fullScanThreshold();
  }

  /** Slots and similarities of the best {@code k} of the given slots. */
  public Candidates scanSlots(float[] q, int k, int[] slots) {
    return scanSlotsWith(vectors.scorer(params.distance(), q), k, slots);
  }

  private static Candidates scanSlotsWith(SlotScorer scorer, int k, int[] slots) {
    Candidates best = new Candidates(k + 1);
    RequestScope scope = RequestScope.current();
    for (int slot : slots) {
      scope.tick();
      keepBest(best, k, slot, scorer.score(slot));
    }
    return best;
  }

  /** Slots and similarities of the best {@code k} vectors that {@code accept} admits, by scan. */
  public Candidates scan(float[] q, int k, IntPredicate accept) {
    return scanWith(vectors.scorer(params.distance(), q), k, accept);
  }

  private Candidates scanWith(SlotScorer scorer, int k, IntPredicate accept) {
    Candidates best = new Candidates(k + 1);
    int n = vectors.size();
    RequestScope scope = RequestScope.current();
    for (int slot = 0; slot < n; slot++) {
      scope.tick();
      if (accept.test(slot)) {
        keepBest(best, k, slot, scorer.score(slot));
      }
    }
    return best;
  }

  private static void keepBest(Candidates best, int k, int slot, float s) {
    if (best.size() < k || s > best.worst()) {
      best.add(slot, s);
      if (best.size() > k) {
        best.removeWorst();
      }
    }
  }

  @Override
  public void close() {
    indexer.close();
    codes.close();
    index.close();
    tenants.values().forEach(TenantLinks::close);
    RetiredTenants t;
    while ((t = retiredTenants.poll()) != null) {
      t.links().close();
    }
    vectors.close();
  }

  /** Forces the vectors and the codes to disk (a checkpoint). */
  public void force() {
    vectors.force();
    codes.force();
  }

  /**
   * How many bytes of {@code file} hold data, if it is one of this space's vector or code chunks,
   * else -1 (a snapshot copies just these).
   */
  public long usedBytes(Path file) {
    long used = vectors.usedBytes(file);
    return used >= 0 ? used : codes.usedBytes(file);
  }
}
