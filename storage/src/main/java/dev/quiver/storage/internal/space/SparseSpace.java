package dev.quiver.storage.internal.space;

import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.VectorDatatype;
import dev.quiver.storage.internal.sparse.SparseIndex;
import dev.quiver.storage.internal.vector.TopK;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * One named sparse vector space of a shard: its vectors by slot (see {@link HeapSpace}) and the
 * inverted index over them, on the heap or, with {@code index.on_disk}, sealed into compressed
 * mapped files in its own directory. Single writer (the shard's apply path); searches run
 * concurrently.
 */
public final class SparseSpace extends HeapSpace<SparseVector> {
  public volatile SparseVectorParams params;
  private final Path indexDir;
  private final int sealAt;
  public volatile SparseIndex index;

  /**
   * @param indexDir where an on-disk index writes its files (null: the index stays on the heap)
   */
  public SparseSpace(SparseVectorParams params, Path indexDir) {
    this(params, indexDir, SparseIndex.SEAL_AT);
  }

  /** With the heap entries from which an on-disk index seals them (tests seal small indexes). */
  public SparseSpace(SparseVectorParams params, Path indexDir, int sealAt) {
    this.params = params;
    this.indexDir = indexDir;
    this.sealAt = sealAt;
    this.index = newIndex(params);
  }

  private SparseIndex newIndex(SparseVectorParams p) {
    SparseIndex index =
        sealed(p)
            ? new SparseIndex(indexDir, vectors::get, sealAt, p.datatypeOrDefault())
            : new SparseIndex();
    index.preload(preload(p));
    return index;
  }

  /**
   * Whether the index seals its lists into files: on disk, or in a datatype narrower than float32
   * (the heap lists are float32; the narrow lists of an index in memory are sealed and kept loaded,
   * as {@code memory: cached} keeps them).
   */
  private boolean sealed(SparseVectorParams p) {
    return indexDir != null && (p.indexOnDisk() || p.datatypeOrDefault() != VectorDatatype.FLOAT32);
  }

  private static boolean preload(SparseVectorParams p) {
    return p.preload() || (!p.indexOnDisk() && p.datatypeOrDefault() != VectorDatatype.FLOAT32);
  }

  /**
   * New parameters; an index moving to or from disk, or to another datatype, is built again from
   * the live vectors.
   */
  public void params(SparseVectorParams next) {
    SparseVectorParams before = params;
    params = next;
    index.preload(preload(next));
    if (sealed(next) != index.onDisk() || next.datatypeOrDefault() != before.datatypeOrDefault()) {
      SparseIndex fresh = newIndex(next);
      for (var e : liveVectors()) {
        fresh.add(e.getKey(), e.getValue());
      }
      index = fresh;
      if (!fresh.onDisk()) {
        deleteIndexFiles();
      }
    }
  }

  /** Removes the on-disk index's directory (the vector is gone, or its index moved to the heap). */
  public void deleteIndexFiles() {
    if (indexDir == null || !Files.isDirectory(indexDir)) {
      return;
    }
    try (var files = Files.list(indexDir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(indexDir);
    } catch (IOException e) {
      // the next open clears what is left
    }
  }

  @Override
  void added(int slot, SparseVector v) {
    index.add(slot, v);
  }

  @Override
  void removed(int slot, SparseVector v) {
    index.removed(v);
    if (index.rebuildDue()) {
      index.rebuild(liveVectors());
    }
  }

  @Override
  void writeVector(DataOutputStream out, SparseVector v) throws IOException {
    ShardCodec.writeSparse(out, v);
  }

  @Override
  SparseVector readVector(DataInputStream in) throws IOException {
    return ShardCodec.readSparse(in);
  }

  /**
   * The query as it is scored: with the IDF modifier, each weight times Qdrant's inverse document
   * frequency of its dimension in this shard, {@code ln((N - n + 0.5) / (n + 0.5) + 1)} with N the
   * live vectors and n those having the dimension.
   */
  public SparseVector modified(SparseVector query) {
    if (!params.idf()) {
      return query;
    }
    float[] values = query.values().clone();
    double n = live();
    for (int i = 0; i < values.length; i++) {
      int df = index.documentFrequency(query.indices()[i]);
      values[i] *= (float) Math.log((n - df + 0.5) / (df + 0.5) + 1.0);
    }
    return new SparseVector(query.indices(), values);
  }

  /** Exact best {@code k} by the inverted index. */
  public List<TopK.Hit> search(SparseVector query, int k, Float threshold, IntPredicate accept) {
    return index.search(modified(query), k, threshold, accept);
  }

  /** Exact best {@code k} of {@code candidates}, scored one by one. */
  public List<TopK.Hit> scan(
      SparseVector query, int k, Float threshold, int[] candidates, IntPredicate accept) {
    return SparseIndex.scan(modified(query), k, threshold, candidates, vectors, accept);
  }
}
