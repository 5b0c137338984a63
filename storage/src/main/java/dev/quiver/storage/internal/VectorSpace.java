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

  /** Stores a (prepared) vector for {@code id} without indexing it yet; returns its slot. */
  int append(PointId id, float[] v) {
    int slot = vectors.add(v);
    owners.set(slot, id);
    live++;
    return slot;
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
      insert(batch);
      for (int s : batch) {
        pending.remove(s); // only now: until inserted, searches must still scan it
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
