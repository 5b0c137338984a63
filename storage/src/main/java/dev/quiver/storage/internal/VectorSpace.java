package dev.quiver.storage.internal;

import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.PointId;
import dev.quiver.storage.VectorParams;
import java.nio.file.Path;

/**
 * One named vector space of a shard: the off-heap vectors, the HNSW index over them, and which
 * point owns each slot. Single writer (the shard's apply path); searches run concurrently.
 */
final class VectorSpace implements AutoCloseable {
  final VectorParams params;
  volatile HnswConfig hnsw;

  /**
   * Qdrant's {@code indexing_threshold} in KB: below it the space is searched by scanning and no
   * graph is built; 0 turns indexing off (bulk loads), until it is raised again.
   */
  private volatile int indexingThresholdKb;

  final OffHeapVectors vectors;
  final HnswIndex index;
  final SlotOwners owners = new SlotOwners();
  private volatile int live;

  VectorSpace(Path dir, VectorParams params, HnswConfig hnsw) {
    this(dir, params, hnsw, 1, 0);
  }

  /** A space whose first {@code restoredSize} vectors come from a checkpoint. */
  VectorSpace(
      Path dir, VectorParams params, HnswConfig hnsw, int indexingThresholdKb, int restoredSize) {
    this.params = params;
    this.hnsw = hnsw;
    this.indexingThresholdKb = indexingThresholdKb;
    this.vectors = new OffHeapVectors(dir, params.size(), restoredSize);
    if (!Boolean.TRUE.equals(params.onDisk()) && restoredSize > 0) {
      vectors.load(); // in RAM unless on_disk: reopened vectors are read in now, not on first use
    }
    this.index = new HnswIndex(vectors, params.distance(), hnsw.m(), hnsw.efConstruct(), 42);
  }

  /** Marks a restored slot as owned (checkpoint load); one the graph lacks waits for it again. */
  void restoreOwner(int slot, PointId id) {
    owners.set(slot, id);
    live++;
    if (!index.contains(slot)) {
      pending.add(slot);
    }
  }

  /** Whether the graph is being built: the threshold is on and the vectors exceed it. */
  boolean indexing() {
    int threshold = indexingThresholdKb;
    return threshold > 0 && (long) live * params.size() * Float.BYTES / 1024 >= threshold;
  }

  /** Changes the indexing threshold (a collection update); indexing starts at once if due. */
  void setIndexingThreshold(int kb) {
    indexingThresholdKb = kb;
    wake();
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
  int append(PointId id, float[] v) {
    Integer reused = free.poll();
    int slot;
    if (reused != null) {
      slot = reused;
      vectors.set(slot, v);
    } else {
      slot = vectors.add(v);
    }
    owners.set(slot, id);
    live++;
    return slot;
  }

  // ---- vacuum: deleted vectors leave the graph, their slots are used again ----

  /** Slots free for new vectors: neither owned nor in the graph nor pending. */
  private final java.util.concurrent.ConcurrentLinkedQueue<Integer> free =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** Graph nodes whose point is gone (approximate: the vacuum recounts). */
  private final java.util.concurrent.atomic.AtomicInteger dead =
      new java.util.concurrent.atomic.AtomicInteger();

  private volatile double deletedThreshold = 0.2;
  private volatile int vacuumMinVectors = 1000;
  private volatile boolean vacuuming;

  /** Qdrant's {@code deleted_threshold} and {@code vacuum_min_vector_number}. */
  void setVacuum(double deletedThreshold, int vacuumMinVectors) {
    this.deletedThreshold = deletedThreshold;
    this.vacuumMinVectors = vacuumMinVectors;
    wake();
  }

  /** Whether enough of the graph is deleted vectors to vacuum it. */
  boolean vacuumDue() {
    int d = dead.get();
    return d > 0 && d >= vacuumMinVectors && d >= deletedThreshold * (d + live);
  }

  /** Whether a vacuum is running (the collection is optimizing). */
  boolean vacuuming() {
    return vacuuming;
  }

  /** Slots free to be used again (for tests and telemetry). */
  int freeSlots() {
    return free.size();
  }

  /**
   * Takes the deleted vectors out of the graph (see {@link HnswIndex#remove}) and frees their
   * slots. Runs in the background indexer; searches and writes go on meanwhile.
   */
  void vacuum() {
    indexLock.lock();
    vacuuming = true;
    try {
      int[] removed = index.remove(slot -> owners.get(slot) == null, vectors.size());
      for (int slot : removed) {
        free.add(slot);
      }
      for (int slot : pending) {
        if (owners.get(slot) == null && !index.contains(slot) && pending.remove(slot)) {
          free.add(slot);
        }
      }
      dead.set(countDead());
    } finally {
      vacuuming = false;
      indexLock.unlock();
    }
  }

  /** Graph nodes and pending slots whose point is gone. */
  private int countDead() {
    int d = 0;
    for (int slot = 0; slot < vectors.size(); slot++) {
      if (owners.get(slot) == null && (index.contains(slot) || pending.contains(slot))) {
        d++;
      }
    }
    return d;
  }

  /**
   * After a checkpoint is loaded: slots neither owned nor in the graph are free, graph nodes
   * without an owner wait for the next vacuum.
   */
  void restored() {
    int d = 0;
    for (int slot = 0; slot < vectors.size(); slot++) {
      if (owners.get(slot) == null) {
        if (index.contains(slot)) {
          d++;
        } else {
          free.add(slot);
        }
      }
    }
    dead.set(d);
    wake();
  }

  /** Writes the graph of {@code size} slots, with no vacuum or insert running. */
  void writeGraph(java.io.DataOutputStream out, int size) throws java.io.IOException {
    indexLock.lock();
    try {
      index.write(out, size);
    } finally {
      indexLock.unlock();
    }
  }

  // ---- background indexing ----

  /** Appended slots not yet in the graph; searches scan them, the indexer drains them. */
  private final java.util.concurrent.ConcurrentSkipListSet<Integer> pending =
      new java.util.concurrent.ConcurrentSkipListSet<>();

  /** Held while slots move from {@link #pending} into the graph (indexer or a drain). */
  private final java.util.concurrent.locks.ReentrantLock indexLock =
      new java.util.concurrent.locks.ReentrantLock();

  private final Object wakeUp = new Object();
  private Thread indexer; // guarded by wakeUp
  private volatile boolean closed;

  /** Beyond this many pending slots the writer indexes a batch itself (back-pressure). */
  static final int MAX_PENDING = 20_000;

  private static final int INDEX_BATCH = 4096;
  private static final int PARALLEL_BATCH = 64;

  /**
   * Queues appended slots for the graph. A background indexer inserts them (on all cores for larger
   * batches, as the graph takes concurrent inserts), so a write does not wait for graph building;
   * until then searches find them by scanning. Above {@link #MAX_PENDING} the calling writer helps,
   * which bounds both the lag and the scan.
   */
  void index(int[] slots) {
    for (int s : slots) {
      pending.add(s);
    }
    if (!indexing()) {
      return; // searched by scanning until the threshold is passed
    }
    if (pending.size() > MAX_PENDING) {
      indexBatch();
    }
    wake();
  }

  private void wake() {
    synchronized (wakeUp) {
      if (indexer == null && !closed) {
        indexer = Thread.ofVirtual().name("hnsw-indexer").start(this::indexLoop);
      }
      wakeUp.notifyAll();
    }
  }

  private void indexLoop() {
    while (!closed) {
      if (vacuumDue()) {
        vacuum();
        continue;
      }
      if (pending.isEmpty() || !indexing()) {
        synchronized (wakeUp) {
          try {
            wakeUp.wait(1000);
          } catch (InterruptedException e) {
            return;
          }
        }
        continue;
      }
      indexBatch();
    }
  }

  /** Moves up to one batch of pending slots into the graph. */
  private void indexBatch() {
    indexLock.lock();
    try {
      int[] batch = pending.stream().limit(INDEX_BATCH).mapToInt(Integer::intValue).toArray();
      // a vector deleted before its turn never enters the graph: its slot is free at once
      int[] live = java.util.Arrays.stream(batch).filter(s -> owners.get(s) != null).toArray();
      insert(live);
      for (int s : batch) {
        pending.remove(s); // only now: until inserted, searches must still scan it
      }
      if (live.length < batch.length) {
        java.util.Set<Integer> inserted = new java.util.HashSet<>();
        for (int s : live) {
          inserted.add(s);
        }
        for (int s : batch) {
          if (!inserted.contains(s) && owners.get(s) == null && !index.contains(s)) {
            free.add(s);
          }
        }
      }
    } finally {
      indexLock.unlock();
    }
  }

  private void insert(int[] slots) {
    if (slots.length < PARALLEL_BATCH) {
      for (int s : slots) {
        index.insert(s);
      }
    } else {
      java.util.Arrays.stream(slots).parallel().forEach(index::insert);
    }
  }

  /**
   * Indexes everything pending now when indexing is due (before the graph is written to a
   * checkpoint), or regardless of the threshold with {@code force}.
   */
  void drainIndex(boolean force) {
    while (!pending.isEmpty() && (force || indexing())) {
      indexBatch();
    }
  }

  /** Slots appended but not yet in the graph. */
  int pendingCount() {
    return pending.size();
  }

  /** Slots waiting for the graph while it is being built (the collection is optimizing). */
  int indexBacklog() {
    return indexing() ? pending.size() : 0;
  }

  /** Adds the pending slots that {@code accept} admits to graph search results. */
  void addPending(float[] q, HnswIndex.Candidates found, java.util.function.IntPredicate accept) {
    for (int slot : pending) {
      if (accept.test(slot)) {
        found.add(slot, vectors.similarity(params.distance(), q, slot));
      }
    }
  }

  void remove(int slot) {
    if (owners.get(slot) != null) {
      owners.set(slot, null);
      live--;
      if (!index.contains(slot) && indexLock.tryLock()) {
        try {
          if (!index.contains(slot) && pending.remove(slot)) {
            free.add(slot); // never reached the graph: free at once
            return;
          }
        } finally {
          indexLock.unlock();
        }
      }
      // in the graph (or on its way there): a tombstone until the next vacuum
      dead.incrementAndGet();
      if (vacuumDue()) {
        wake();
      }
    }
  }

  int live() {
    return live;
  }

  /**
   * Whether a search should scan instead of walking the graph (Qdrant's full_scan_threshold, in
   * KB).
   */
  boolean scanIsCheaper(int candidates) {
    long kb = (long) candidates * params.size() * Float.BYTES / 1024;
    return kb <= hnsw.fullScanThreshold();
  }

  /** Slots and similarities of the best {@code k} of the given slots. */
  HnswIndex.Candidates scanSlots(float[] q, int k, int[] slots) {
    HnswIndex.Candidates best = new HnswIndex.Candidates(k + 1);
    for (int slot : slots) {
      float s = vectors.similarity(params.distance(), q, slot);
      if (best.size() < k || s > best.worst()) {
        best.add(slot, s);
        if (best.size() > k) {
          best.removeWorst();
        }
      }
    }
    return best;
  }

  /** Slots and similarities of the best {@code k} vectors that {@code accept} admits, by scan. */
  HnswIndex.Candidates scan(float[] q, int k, java.util.function.IntPredicate accept) {
    HnswIndex.Candidates best = new HnswIndex.Candidates(k + 1);
    int n = vectors.size();
    for (int slot = 0; slot < n; slot++) {
      if (!accept.test(slot)) {
        continue;
      }
      float s = vectors.similarity(params.distance(), q, slot);
      if (best.size() < k || s > best.worst()) {
        best.add(slot, s);
        if (best.size() > k) {
          best.removeWorst();
        }
      }
    }
    return best;
  }

  @Override
  public void close() {
    closed = true;
    Thread t;
    synchronized (wakeUp) {
      t = indexer;
      wakeUp.notifyAll();
    }
    if (t != null) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    vectors.close();
  }
}
