package dev.quiver.storage.internal;

import dev.quiver.storage.PointId;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.StorageException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * One named sparse vector space of a shard: its vectors by slot, which point owns each slot, and
 * the inverted index over them. Slots are handed out in ascending order and never reused while the
 * shard is open (the index's lists stay sorted by slot); a shard reopened from its checkpoint
 * numbers the live vectors afresh from 0. Single writer (the shard's apply path); searches run
 * concurrently.
 */
final class SparseSpace {
  volatile SparseVectorParams params;
  final SlotTable<SparseVector> vectors = new SlotTable<>();
  final SlotTable<PointId> owners = new SlotTable<>();
  final SparseIndex index = new SparseIndex();
  private int nextSlot; // writer only
  private volatile int live;

  /** The slots a checkpoint held, ascending, while it is being read; null after. */
  private int[] restoredFrom;

  SparseSpace(SparseVectorParams params) {
    this.params = params;
  }

  /** Stores {@code v} (sorted, validated) for {@code id}; returns its slot. */
  int add(PointId id, SparseVector v) {
    if (nextSlot == Integer.MAX_VALUE) {
      throw new StorageException.BadInput(
          "this shard has numbered 2^31 sparse vectors since it was opened; reopen it to renumber");
    }
    int slot = nextSlot++;
    vectors.set(slot, v);
    owners.set(slot, id);
    index.add(slot, v);
    live++;
    return slot;
  }

  /** Frees {@code slot}: its point no longer has this vector. */
  void remove(int slot) {
    SparseVector v = vectors.get(slot);
    if (v == null) {
      return;
    }
    owners.set(slot, null);
    vectors.set(slot, null);
    index.removed(v);
    live--;
    if (index.rebuildDue()) {
      index.rebuild(liveVectors());
    }
  }

  int live() {
    return live;
  }

  /** Slots handed out since the shard opened (live or not). */
  int slots() {
    return nextSlot;
  }

  /** The live (slot, vector) pairs in ascending slot order. */
  private Iterable<Map.Entry<Integer, SparseVector>> liveVectors() {
    List<Map.Entry<Integer, SparseVector>> out = new ArrayList<>(live);
    for (int slot = 0; slot < nextSlot; slot++) {
      SparseVector v = vectors.get(slot);
      if (v != null) {
        out.add(new AbstractMap.SimpleImmutableEntry<>(slot, v));
      }
    }
    return out;
  }

  /**
   * The query as it is scored: with the IDF modifier, each weight times Qdrant's inverse document
   * frequency of its dimension in this shard, {@code ln((N - n + 0.5) / (n + 0.5) + 1)} with N the
   * live vectors and n those having the dimension.
   */
  SparseVector modified(SparseVector query) {
    if (!params.idf()) {
      return query;
    }
    float[] values = query.values().clone();
    double n = live;
    for (int i = 0; i < values.length; i++) {
      int df = index.documentFrequency(query.indices()[i]);
      values[i] *= (float) Math.log((n - df + 0.5) / (df + 0.5) + 1.0);
    }
    return new SparseVector(query.indices(), values);
  }

  /** Exact best {@code k} by the inverted index. */
  List<SparseIndex.Hit> search(SparseVector query, int k, Float threshold, IntPredicate accept) {
    return index.search(modified(query), k, threshold, accept);
  }

  /** Exact best {@code k} of {@code candidates}, scored one by one. */
  List<SparseIndex.Hit> scan(
      SparseVector query, int k, Float threshold, int[] candidates, IntPredicate accept) {
    return SparseIndex.scan(modified(query), k, threshold, candidates, vectors, accept);
  }

  /** Every slot handed out, for a full scan. */
  int[] allSlots() {
    int[] out = new int[nextSlot];
    Arrays.setAll(out, i -> i);
    return out;
  }

  // ---- checkpoint ----

  /** Writes the live vectors: their count, then each slot and vector in ascending slot order. */
  void write(DataOutputStream out) throws IOException {
    out.writeInt(live);
    int written = 0;
    for (var e : liveVectors()) {
      out.writeInt(e.getKey());
      ShardCodec.writeSparse(out, e.getValue());
      written++;
    }
    if (written != live) {
      throw new IllegalStateException("sparse vectors changed while checkpointing");
    }
  }

  /**
   * Reads what {@link #write} wrote into this empty space, numbering the vectors from 0; their
   * owners come through {@link #restore} with the slot numbers the checkpoint used.
   */
  void read(DataInputStream in) throws IOException {
    int n = ShardCodec.count(in);
    restoredFrom = new int[n];
    for (int i = 0; i < n; i++) {
      restoredFrom[i] = in.readInt();
      if (i > 0 && restoredFrom[i] <= restoredFrom[i - 1]) {
        throw new IOException("sparse vector slots out of order");
      }
      SparseVector v = ShardCodec.readSparse(in);
      vectors.set(i, v);
      index.add(i, v);
    }
    nextSlot = n;
  }

  /**
   * Gives the vector the checkpoint held at {@code oldSlot} to {@code id}; returns its slot now.
   */
  int restore(int oldSlot, PointId id) {
    int slot = restoredFrom == null ? -1 : Arrays.binarySearch(restoredFrom, oldSlot);
    if (slot < 0) {
      throw new IllegalStateException("checkpoint names sparse slot " + oldSlot + " it lacks");
    }
    owners.set(slot, id);
    live++;
    return slot;
  }

  /** After a checkpoint is read: vectors no point owns are dropped. */
  void restored() {
    if (restoredFrom == null) {
      return;
    }
    for (int slot = 0; slot < nextSlot; slot++) {
      if (owners.get(slot) == null && vectors.get(slot) != null) {
        index.removed(vectors.get(slot));
        vectors.set(slot, null);
      }
    }
    restoredFrom = null;
  }
}
