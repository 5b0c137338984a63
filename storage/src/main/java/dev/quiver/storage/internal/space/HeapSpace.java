package dev.quiver.storage.internal.space;

import dev.quiver.storage.PointId;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.internal.vector.SlotTable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A vector space held on the heap (sparse vectors, multivectors): the vectors by slot and the point
 * owning each slot. Slots are handed out in ascending order and never reused while the shard is
 * open; a shard reopened from its checkpoint numbers the live vectors afresh from 0. Single writer
 * (the shard's apply path); searches read the slot tables concurrently.
 *
 * @param <V> the vector type
 */
public abstract class HeapSpace<V> {
  public final SlotTable<V> vectors = new SlotTable<>();
  public final SlotTable<PointId> owners = new SlotTable<>();
  private int nextSlot; // writer only
  private volatile int live;

  /** The slots a checkpoint held, ascending, while it is being read; null after. */
  private int[] restoredFrom;

  /** Called when {@code v} is stored at {@code slot} (larger than any before). */
  abstract void added(int slot, V v);

  /** Called when the vector {@code v} at {@code slot} is gone. */
  abstract void removed(int slot, V v);

  abstract void writeVector(DataOutputStream out, V v) throws IOException;

  abstract V readVector(DataInputStream in) throws IOException;

  /** Stores {@code v} (prepared) for {@code id}; returns its slot. */
  public int add(PointId id, V v) {
    if (nextSlot == Integer.MAX_VALUE) {
      throw new StorageException.BadInput(
          "this shard has numbered 2^31 vectors of one space since it was opened; reopen it to"
              + " renumber");
    }
    int slot = nextSlot++;
    vectors.set(slot, v);
    owners.set(slot, id);
    added(slot, v);
    live++;
    return slot;
  }

  /** Frees {@code slot}: its point no longer has this vector. */
  public void remove(int slot) {
    V v = vectors.get(slot);
    if (v == null) {
      return;
    }
    owners.set(slot, null);
    vectors.set(slot, null);
    live--;
    removed(slot, v);
  }

  public int live() {
    return live;
  }

  /** Slots handed out since the shard opened (live or not). */
  public int slots() {
    return nextSlot;
  }

  /** Every slot handed out, for a full scan. */
  public int[] allSlots() {
    int[] out = new int[nextSlot];
    Arrays.setAll(out, i -> i);
    return out;
  }

  /** The live (slot, vector) pairs in ascending slot order. */
  List<Map.Entry<Integer, V>> liveVectors() {
    List<Map.Entry<Integer, V>> out = new ArrayList<>(live);
    for (int slot = 0; slot < nextSlot; slot++) {
      V v = vectors.get(slot);
      if (v != null) {
        out.add(new AbstractMap.SimpleImmutableEntry<>(slot, v));
      }
    }
    return out;
  }

  // ---- checkpoint ----

  /** Writes the live vectors: their count, then each slot and vector in ascending slot order. */
  public void write(DataOutputStream out) throws IOException {
    List<Map.Entry<Integer, V>> all = liveVectors();
    out.writeInt(all.size());
    for (var e : all) {
      out.writeInt(e.getKey());
      writeVector(out, e.getValue());
    }
  }

  /**
   * Reads what {@link #write} wrote into this empty space, numbering the vectors from 0; their
   * owners come through {@link #restore} with the slot numbers the checkpoint used.
   */
  public void read(DataInputStream in) throws IOException {
    int n = ShardCodec.count(in);
    restoredFrom = new int[n];
    for (int i = 0; i < n; i++) {
      restoredFrom[i] = in.readInt();
      if (i > 0 && restoredFrom[i] <= restoredFrom[i - 1]) {
        throw new IOException("vector slots out of order");
      }
      V v = readVector(in);
      vectors.set(i, v);
      added(i, v);
    }
    nextSlot = n;
  }

  /**
   * Gives the vector the checkpoint held at {@code oldSlot} to {@code id}; returns its slot now.
   */
  public int restore(int oldSlot, PointId id) {
    int slot = restoredFrom == null ? -1 : Arrays.binarySearch(restoredFrom, oldSlot);
    if (slot < 0) {
      throw new IllegalStateException("checkpoint names slot " + oldSlot + " it lacks");
    }
    owners.set(slot, id);
    live++;
    return slot;
  }

  /** After a checkpoint is read: vectors no point owns are dropped. */
  public void restored() {
    if (restoredFrom == null) {
      return;
    }
    for (int slot = 0; slot < nextSlot; slot++) {
      V v = vectors.get(slot);
      if (owners.get(slot) == null && v != null) {
        vectors.set(slot, null);
        removed(slot, v);
      }
    }
    restoredFrom = null;
  }
}
