package dev.quiver.storage.internal.quant;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.internal.vector.SlotScorer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Qdrant's binary quantization. A code holds bit planes in 64-bit words, then the vector's mean
 * absolute component ({@code scale}) and its squared norm.
 *
 * <p><b>One bit</b> a component: the bit is set when the component is positive, so {@code v ≈ scale
 * * sign}. A binarized query ({@code default}, {@code binary}) scores by a popcount of XORed words;
 * a query kept at 8 or 4 bits ({@code scalar8bits}, {@code scalar4bits}) is split into bit planes
 * ANDed with the code, one popcount per plane: the sum of the query's components where the code's
 * bit is set is {@code lo * popcount + step * sum_k 2^k popcount(plane_k & code)}.
 *
 * <p><b>Two bits</b>: each component's z-score over the trained per-dimension mean and standard
 * deviation falls in one of three buckets (below -2/3, within, above 2/3), written as a thermometer
 * code: the first plane says "not below", the second "above". <b>One and a half bits</b> keeps the
 * first plane and ORs the second plane's bits of each pair of components into one. A component is
 * read back as {@code mean + K * sd * (bucket - 1)}, {@code K} the mean |z| of a normal beyond 2/3,
 * so the dot product is {@code sum(q * mean) + sum_set(w) - sum(w)} with {@code w = K * sd * q},
 * summed over the set bits of both planes with the same bit-plane popcounts (the query at 8 or 4
 * bits as asked, else at 2). L2 uses {@code |q|² + |v|² - 2 * estimate}; L1 has no such identity
 * and decodes. Thread-safe: immutable.
 */
final class BinaryQuantizer implements Quantizer {
  private static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());
  private static final ValueLayout.OfFloat FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

  /** The mean |z| of a standard normal beyond 2/3: phi(2/3) / (1 - Phi(2/3)). */
  private static final float K = 1.2649f;

  private static final float BUCKET = 2f / 3;
  private static final long EVEN_BITS = 0x5555555555555555L;

  private final Quantization.BinaryEncoding encoding;
  private final Distance distance;
  private final int dim;
  private final int words;
  private final int secondWords; // the second plane's words: 0, words, or the pairs'
  private final int queryBits; // 1: binarized query (one bit only); else bit planes of this many
  private final float[] mean; // two and one and a half bits only
  private final float[] sd;

  private BinaryQuantizer(
      Quantization.Binary config, Distance distance, int dim, float[] mean, float[] sd) {
    this.encoding = config.encodingOrDefault();
    this.distance = distance;
    this.dim = dim;
    this.words = (dim + 63) >>> 6;
    this.secondWords =
        switch (encoding) {
          case ONE_BIT -> 0;
          case TWO_BITS -> words;
          case ONE_AND_HALF_BITS -> ((dim + 1) / 2 + 63) >>> 6;
        };
    boolean oneBit = encoding == Quantization.BinaryEncoding.ONE_BIT;
    this.queryBits =
        switch (config.queryEncodingOrDefault()) {
          case DEFAULT, BINARY -> oneBit ? 1 : 2;
          case SCALAR4BITS -> 4;
          case SCALAR8BITS -> 8;
        };
    this.mean = mean;
    this.sd = sd;
  }

  /** A quantizer of {@code config}: two and one and a half bits learn each dimension's spread. */
  static BinaryQuantizer train(
      Quantization.Binary config, Distance distance, int dim, List<float[]> sample) {
    if (config.encodingOrDefault() == Quantization.BinaryEncoding.ONE_BIT) {
      return new BinaryQuantizer(config, distance, dim, null, null);
    }
    double[] sum = new double[dim];
    double[] squares = new double[dim];
    for (float[] v : sample) {
      for (int i = 0; i < dim; i++) {
        sum[i] += v[i];
        squares[i] += (double) v[i] * v[i];
      }
    }
    int n = Math.max(1, sample.size());
    float[] mean = new float[dim];
    float[] sd = new float[dim];
    for (int i = 0; i < dim; i++) {
      double m = sum[i] / n;
      mean[i] = (float) m;
      sd[i] = (float) Math.sqrt(Math.max(0, squares[i] / n - m * m));
    }
    return new BinaryQuantizer(config, distance, dim, mean, sd);
  }

  static BinaryQuantizer read(
      DataInputStream in, Quantization.Binary config, Distance distance, int dim)
      throws IOException {
    if (config.encodingOrDefault() == Quantization.BinaryEncoding.ONE_BIT) {
      return new BinaryQuantizer(config, distance, dim, null, null);
    }
    float[] mean = new float[dim];
    float[] sd = new float[dim];
    for (int i = 0; i < dim; i++) {
      mean[i] = in.readFloat();
      sd[i] = in.readFloat();
    }
    return new BinaryQuantizer(config, distance, dim, mean, sd);
  }

  @Override
  public void write(DataOutputStream out) throws IOException {
    if (mean != null) {
      for (int i = 0; i < dim; i++) {
        out.writeFloat(mean[i]);
        out.writeFloat(sd[i]);
      }
    }
  }

  @Override
  public int codeBytes() {
    return (words + secondWords) * Long.BYTES + 2 * Float.BYTES;
  }

  /** The bucket of component {@code i}: 0 below -2/3 sd, 1 within, 2 above 2/3 sd. */
  private int bucket(int i, float x) {
    if (sd[i] < Float.MIN_NORMAL) {
      return x > 0 ? 1 : 0; // no spread: the sign, as one bit would
    }
    float z = (x - mean[i]) / sd[i];
    return z < -BUCKET ? 0 : z < BUCKET ? 1 : 2;
  }

  @Override
  public void encode(float[] v, MemorySegment dst, long at) {
    long[] first = new long[words];
    long[] second = new long[secondWords];
    float abs = 0;
    float norm = 0;
    for (int i = 0; i < dim; i++) {
      abs += Math.abs(v[i]);
      norm += v[i] * v[i];
      if (mean == null) {
        if (v[i] > 0) {
          first[i >>> 6] |= 1L << i;
        }
        continue;
      }
      int b = bucket(i, v[i]);
      if (b >= 1) {
        first[i >>> 6] |= 1L << i;
      }
      if (b == 2) {
        int j = encoding == Quantization.BinaryEncoding.TWO_BITS ? i : i >>> 1;
        second[j >>> 6] |= 1L << j;
      }
    }
    for (int w = 0; w < words; w++) {
      dst.set(LONG, at + (long) w * Long.BYTES, first[w]);
    }
    for (int w = 0; w < secondWords; w++) {
      dst.set(LONG, at + (long) (words + w) * Long.BYTES, second[w]);
    }
    long tail = at + (long) (words + secondWords) * Long.BYTES;
    dst.set(FLOAT, tail, abs / dim);
    dst.set(FLOAT, tail + Float.BYTES, norm);
  }

  @Override
  public SlotScorer scorer(float[] query, Codes codes) {
    float abs = 0;
    float norm = 0;
    for (float x : query) {
      abs += Math.abs(x);
      norm += x * x;
    }
    float queryNorm = norm;
    long tail = (long) (words + secondWords) * Long.BYTES;
    if (distance == Distance.MANHATTAN) {
      return slot -> -l1(query, codes.segment(slot), codes.offset(slot));
    }
    DotEstimate dot =
        mean != null
            ? buckets(query)
            : queryBits == 1 ? symmetric(query, abs / dim) : signPlanes(query);
    return slot -> {
      MemorySegment seg = codes.segment(slot);
      long at = codes.offset(slot);
      float estimate = dot.of(seg, at, seg.get(FLOAT, at + tail));
      if (distance == Distance.EUCLID) {
        float vectorNorm = seg.get(FLOAT, at + tail + Float.BYTES);
        return -Math.max(0, queryNorm + vectorNorm - 2 * estimate);
      }
      return estimate;
    };
  }

  /** The dot product's estimate for one code. */
  private interface DotEstimate {
    float of(MemorySegment seg, long at, float scale);
  }

  /** Both sides one bit: {@code scale_q * scale_v * (agreeing - differing bits)}. */
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

  /** One-bit codes against the query's bit planes: {@code scale * (2 * sum_set(q) - sum(q))}. */
  private DotEstimate signPlanes(float[] query) {
    Planes q = new Planes(query, queryBits, words);
    return (seg, at, scale) -> {
      long set = 0;
      long weighted = 0;
      for (int w = 0; w < words; w++) {
        long code = seg.get(LONG, at + (long) w * Long.BYTES);
        set += Long.bitCount(code);
        weighted += q.weighted(code, w);
      }
      return scale * (2 * q.sum(set, weighted) - q.total);
    };
  }

  /** Two and one and a half bits: {@code sum(q * mean) + sum_set(w) - sum(w)}. */
  private DotEstimate buckets(float[] query) {
    float base = 0;
    float[] weights = new float[dim];
    for (int i = 0; i < dim; i++) {
      base += query[i] * mean[i];
      weights[i] = K * sd[i] * query[i];
    }
    Planes w = new Planes(weights, queryBits, words);
    float constant = base - w.total;
    boolean pairs = encoding == Quantization.BinaryEncoding.ONE_AND_HALF_BITS;
    return (seg, at, scale) -> {
      long set = 0;
      long weighted = 0;
      for (int k = 0; k < words; k++) {
        long first = seg.get(LONG, at + (long) k * Long.BYTES);
        long second = pairs ? first & expandedPairs(seg, at, k) : secondWord(seg, at, k);
        set += Long.bitCount(first) + Long.bitCount(second);
        weighted += w.weighted(first, k) + w.weighted(second, k);
      }
      return constant + w.sum(set, weighted);
    };
  }

  private long secondWord(MemorySegment seg, long at, int word) {
    return seg.get(LONG, at + (long) (words + word) * Long.BYTES);
  }

  /** The pair bits of components {@code 64 * word ...}, each repeated for both of its pair. */
  private long expandedPairs(MemorySegment seg, long at, int word) {
    long pairs = secondWord(seg, at, word >>> 1) >>> ((word & 1) << 5);
    long even = Long.expand(pairs & 0xFFFFFFFFL, EVEN_BITS);
    return even | even << 1;
  }

  /** The L1 distance to the decoded code. */
  private float l1(float[] query, MemorySegment seg, long at) {
    float scale = seg.get(FLOAT, at + (long) (words + secondWords) * Long.BYTES);
    float d = 0;
    for (int i = 0; i < dim; i++) {
      long first = seg.get(LONG, at + (long) (i >>> 6) * Long.BYTES);
      boolean one = (first >>> i & 1) != 0;
      float decoded;
      if (mean == null) {
        decoded = one ? scale : -scale;
      } else {
        boolean two =
            encoding == Quantization.BinaryEncoding.TWO_BITS
                ? (secondWord(seg, at, i >>> 6) >>> i & 1) != 0
                : one && (secondWord(seg, at, i >>> 7) >>> (i >>> 1) & 1) != 0;
        int bucket = (one ? 1 : 0) + (two ? 1 : 0);
        decoded = mean[i] + K * sd[i] * (bucket - 1);
      }
      d += Math.abs(query[i] - decoded);
    }
    return d;
  }

  /**
   * A query vector at {@code bits} bits a component, {@code x ≈ lo + step * u}, as bit planes over
   * {@code words} words.
   */
  private static final class Planes {
    final float lo;
    final float step;
    final float total;
    final long[][] plane;

    Planes(float[] x, int bits, int words) {
      float min = Float.POSITIVE_INFINITY;
      float max = Float.NEGATIVE_INFINITY;
      float sum = 0;
      for (float v : x) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
      }
      int levels = (1 << bits) - 1;
      this.lo = min;
      this.step = max > min ? (max - min) / levels : 1;
      this.total = sum;
      this.plane = new long[bits][words];
      for (int i = 0; i < x.length; i++) {
        int u = Math.clamp(Math.round((x[i] - lo) / step), 0, levels);
        for (int k = 0; k < bits; k++) {
          if ((u >>> k & 1) != 0) {
            plane[k][i >>> 6] |= 1L << i;
          }
        }
      }
    }

    /** {@code sum_k 2^k popcount(plane_k & mask)} over word {@code w}. */
    long weighted(long mask, int w) {
      long out = 0;
      for (int k = 0; k < plane.length; k++) {
        out += (long) Long.bitCount(plane[k][w] & mask) << k;
      }
      return out;
    }

    /** The sum of the components under {@code set} bits whose planes weigh {@code weighted}. */
    float sum(long set, long weighted) {
      return lo * set + step * weighted;
    }
  }
}
