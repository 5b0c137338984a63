package dev.quiver.storage.internal.space;

import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.internal.vector.TopK;
import dev.quiver.storage.internal.vector.VectorMath;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * One named multivector space of a shard ({@code multivector_config} with {@code max_sim}): each
 * point's list of vectors by slot (see {@link HeapSpace}), prepared (Cosine rows at unit length). A
 * search scores every candidate by MaxSim, the sum over the query's rows of the best dot product
 * with the point's rows: exact, as a reranking stage over prefetched points needs; there is no
 * graph over multivectors. Single writer; searches run concurrently.
 */
public final class MultiSpace extends HeapSpace<float[][]> {
  final VectorParams params;

  public MultiSpace(VectorParams params) {
    this.params = params;
  }

  @Override
  void added(int slot, float[][] v) {}

  @Override
  void removed(float[][] v) {}

  @Override
  void writeVector(DataOutputStream out, float[][] v) throws IOException {
    ShardCodec.writeRows(out, v);
  }

  @Override
  float[][] readVector(DataInputStream in) throws IOException {
    return ShardCodec.readRows(in);
  }

  /** MaxSim: for each query row, the best dot product with a row of {@code doc}, summed. */
  static float maxSim(float[][] query, float[][] doc) {
    float sum = 0;
    for (float[] q : query) {
      float best = Float.NEGATIVE_INFINITY;
      for (float[] d : doc) {
        best = Math.max(best, VectorMath.dot(q, d));
      }
      sum += best;
    }
    return sum;
  }

  /** The exact best {@code k} of {@code candidates} (prepared query rows). */
  public List<TopK.Hit> scan(
      float[][] query, int k, Float threshold, int[] candidates, IntPredicate accept) {
    RequestScope scope = RequestScope.current();
    TopK top = new TopK(k);
    for (int slot : candidates) {
      scope.tick();
      float[][] v = vectors.get(slot);
      if (v == null || !accept.test(slot)) {
        continue;
      }
      float s = maxSim(query, v);
      if (threshold == null || s >= threshold) {
        top.offer(slot, s);
      }
    }
    return top.bestFirst();
  }
}
