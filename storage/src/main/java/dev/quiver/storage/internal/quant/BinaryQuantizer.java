package dev.quiver.storage.internal.quant;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.internal.vector.SlotScorer;
import java.io.DataOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Qdrant's binary quantization with one bit a component: the bit is set when the component is
 * positive. A code holds the bits in 64-bit words, then the vector's mean absolute component
 * ({@code scale}, so that {@code v ≈ scale * sign}) and its squared norm, which turn the sign
 * agreement into an estimate of the dot product and of the L2 distance.
 *
 * <p>The query is binarized the same way ({@code default}, {@code binary}: the score is a popcount
 * of XORed words), or kept at 8 or 4 bits a component ({@code scalar8bits}, {@code scalar4bits}):
 * then its bit planes are ANDed with the code, one popcount per plane, a more exact estimate at
 * that many times the work. L1 has no such identity: its estimate decodes the signs. Thread-safe:
 * immutable.
 */
final class BinaryQuantizer implements Quantizer {
  private static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());
  private static final ValueLayout.OfFloat FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

  private final Distance distance;
  private final int dim;
  private final int words;
  private final int queryBits; // 1: binarized query; 4 or 8: bit planes

  BinaryQuantizer(Quantization.Binary config, Distance distance, int dim) {
    this.distance = distance;
    this.dim = dim;
    this.words = (dim + 63) >>> 6;
    this.queryBits =
        switch (config.queryEncodingOrDefault()) {
          case DEFAULT, BINARY -> 1;
          case SCALAR4BITS -> 4;
          case SCALAR8BITS -> 8;
        };
  }

  @Override
  public void write(DataOutputStream out) {
    // nothing is trained: the signs need no parameters
  }

  @Override
  public int codeBytes() {
    return words * Long.BYTES + 2 * Float.BYTES;
  }

  @Override
  public void encode(float[] v, MemorySegment dst, long at) {
    long[] bits = new long[words];
    float abs = 0;
    float norm = 0;
    for (int i = 0; i < dim; i++) {
      if (v[i] > 0) {
        bits[i >>> 6] |= 1L << i;
      }
      abs += Math.abs(v[i]);
      norm += v[i] * v[i];
    }
    for (int w = 0; w < words; w++) {
      dst.set(LONG, at + (long) w * Long.BYTES, bits[w]);
    }
    long tail = at + (long) words * Long.BYTES;
    dst.set(FLOAT, tail, abs / dim);
    dst.set(FLOAT, tail + Float.BYTES, norm);
  }

  @Override
  public SlotScorer scorer(float[] query, Codes codes) {
    float sum = 0;
    float abs = 0;
    float norm = 0;
    for (float x : query) {
      sum += x;
      abs += Math.abs(x);
      norm += x * x;
    }
    float queryNorm = norm;
    long tailOffset = (long) words * Long.BYTES;
    if (distance == Distance.MANHATTAN) {
      return slot -> {
        MemorySegment seg = codes.segment(slot);
        long at = codes.offset(slot);
        float scale = seg.get(FLOAT, at + tailOffset);
        float d = 0;
        for (int i = 0; i < dim; i++) {
          long word = seg.get(LONG, at + (long) (i >>> 6) * Long.BYTES);
          d += Math.abs(query[i] - ((word >>> i & 1) != 0 ? scale : -scale));
        }
        return -d;
      };
    }
    DotEstimate dot = queryBits == 1 ? symmetric(query, abs / dim) : planes(query, sum);
    return slot -> {
      MemorySegment seg = codes.segment(slot);
      long at = codes.offset(slot);
      float scale = seg.get(FLOAT, at + tailOffset);
      float estimate = dot.of(seg, at, scale);
      if (distance == Distance.EUCLID) {
        float vectorNorm = seg.get(FLOAT, at + tailOffset + Float.BYTES);
        return -Math.max(0, queryNorm + vectorNorm - 2 * estimate);
      }
      return estimate;
    };
  }

  /** The dot product's estimate for one code. */
  private interface DotEstimate {
    float of(MemorySegment seg, long at, float scale);
  }

  /** Both sides binarized: {@code scale_q * scale_v * (agreeing - disagreeing bits)}. */
  private DotEstimate symmetric(float[] query, float queryScale) {
    long[] q = new long[words];
    for (int i = 0; i < dim; i++) {
      if (query[i] > 0) {
        q[i >>> 6] |= 1L << i;
      }
    }
    return (seg, at, scale) -> {
      int differing = 0;
      for (int w = 0; w < words; w++) {
        differing += Long.bitCount(q[w] ^ seg.get(LONG, at + (long) w * Long.BYTES));
      }
      return queryScale * scale * (dim - 2 * differing);
    };
  }

  /**
   * The query at {@link #queryBits} bits a component, {@code q_i ≈ lo + step * u_i}, split into bit
   * planes: the sum of the query's components where the code's bit is set is {@code lo * popcount +
   * step * sum_k 2^k popcount(plane_k & code)}, and the dot product with the signs is twice that
   * less the sum of all components.
   */
  private DotEstimate planes(float[] query, float sum) {
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (float x : query) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    int levels = (1 << queryBits) - 1;
    float step = hi > lo ? (hi - lo) / levels : 1;
    long[][] plane = new long[queryBits][words];
    for (int i = 0; i < dim; i++) {
      int u = Math.clamp(Math.round((query[i] - lo) / step), 0, levels);
      for (int k = 0; k < queryBits; k++) {
        if ((u >>> k & 1) != 0) {
          plane[k][i >>> 6] |= 1L << i;
        }
      }
    }
    float base = lo;
    return (seg, at, scale) -> {
      long set = 0;
      long weighted = 0;
      for (int w = 0; w < words; w++) {
        long code = seg.get(LONG, at + (long) w * Long.BYTES);
        set += Long.bitCount(code);
        for (int k = 0; k < plane.length; k++) {
          weighted += (long) Long.bitCount(plane[k][w] & code) << k;
        }
      }
      float positive = base * set + step * weighted;
      return scale * (2 * positive - sum);
    };
  }
}
