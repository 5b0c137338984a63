package dev.quiver.storage.internal;

import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.SparseVectorParams;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * One named sparse vector space of a shard: its vectors by slot (see {@link HeapSpace}) and the
 * inverted index over them. Single writer (the shard's apply path); searches run concurrently.
 */
final class SparseSpace extends HeapSpace<SparseVector> {
  volatile SparseVectorParams params;
  final SparseIndex index = new SparseIndex();

  SparseSpace(SparseVectorParams params) {
    this.params = params;
  }

  @Override
  void added(int slot, SparseVector v) {
    index.add(slot, v);
  }

  @Override
  void removed(SparseVector v) {
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
  SparseVector modified(SparseVector query) {
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
  List<TopK.Hit> search(SparseVector query, int k, Float threshold, IntPredicate accept) {
    return index.search(modified(query), k, threshold, accept);
  }

  /** Exact best {@code k} of {@code candidates}, scored one by one. */
  List<TopK.Hit> scan(
      SparseVector query, int k, Float threshold, int[] candidates, IntPredicate accept) {
    return SparseIndex.scan(modified(query), k, threshold, candidates, vectors, accept);
  }
}
