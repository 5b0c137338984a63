package dev.quiver.storage.internal.space;

import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.internal.vector.TopK;
import dev.quiver.storage.internal.vector.VectorMath;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * One named multivector space of a shard ({@code multivector_config} with {@code max_sim}): each
 * point's list of vectors by slot (see {@link HeapSpace}), prepared (Cosine rows at unit length)
 * and held as the vector's {@code datatype} stores them ({@link Rows}). A search scores every
 * candidate by MaxSim, the sum over the query's rows of the best dot product with the point's rows:
 * exact, as a reranking stage over prefetched points needs; there is no graph over multivectors.
 * Single writer; searches run concurrently.
 */
public final class MultiSpace extends HeapSpace<Rows> {
  final VectorParams params;

  public MultiSpace(VectorParams params) {
    this.params = params;
  }

  /** {@code rows} (prepared) as this space stores them. */
  public Rows rows(float[][] rows) {
    return Rows.of(rows, params == null ? null : params.storedAs());
  }

  @Override
  void added(int slot, Rows v) {}

  @Override
  void removed(Rows v) {}

  @Override
  void writeVector(DataOutputStream out, Rows v) throws IOException {
    // widened: a narrow value is exact as a float, so the checkpoint's format does not change
    ShardCodec.writeRows(out, v.toFloats());
  }

  @Override
  Rows readVector(DataInputStream in) throws IOException {
    return rows(ShardCodec.readRows(in));
  }

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
      float s = maxSim(query, v, buffer, best);
      if (threshold == null || s >= threshold) {
        top.offer(slot, s);
      }
    }
    return top.bestFirst();
  }
}
