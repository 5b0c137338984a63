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
  final HnswConfig hnsw;
  final OffHeapVectors vectors;
  final HnswIndex index;
  final SlotOwners owners = new SlotOwners();
  private volatile int live;

  VectorSpace(Path dir, VectorParams params, HnswConfig hnsw) {
    this(dir, params, hnsw, 0);
  }

  /** A space whose first {@code restoredSize} vectors come from a checkpoint. */
  VectorSpace(Path dir, VectorParams params, HnswConfig hnsw, int restoredSize) {
    this.params = params;
    this.hnsw = hnsw;
    this.vectors = new OffHeapVectors(dir, params.size(), restoredSize);
    this.index = new HnswIndex(vectors, params.distance(), hnsw.m(), hnsw.efConstruct(), 42);
  }

  /** Marks a restored slot as owned (checkpoint load). */
  void restoreOwner(int slot, PointId id) {
    owners.set(slot, id);
    live++;
  }

  /** Stores and indexes a (prepared) vector for {@code id}; returns its slot. */
  int add(PointId id, float[] v) {
    int slot = append(id, v);
    index.insert(slot);
    return slot;
  }

  /** Stores a (prepared) vector for {@code id} without indexing it yet; returns its slot. */
  int append(PointId id, float[] v) {
    int slot = vectors.add(v);
    owners.set(slot, id);
    live++;
    return slot;
  }

  /**
   * Indexes appended slots, on all cores when there are enough of them (the graph takes concurrent
   * inserts). The order, and so the graph, then depends on scheduling; search results may differ in
   * the last digits of recall between two such builds.
   */
  void index(int[] slots) {
    if (slots.length < PARALLEL_BATCH) {
      for (int s : slots) {
        index.insert(s);
      }
    } else {
      java.util.Arrays.stream(slots).parallel().forEach(index::insert);
    }
  }

  private static final int PARALLEL_BATCH = 64;

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
    vectors.close();
  }
}
