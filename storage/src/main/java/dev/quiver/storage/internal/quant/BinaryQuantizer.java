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
 * Qdrant's binary quantization. Training measures each dimension's mean and standard deviation over
 * the sample; a code holds bit planes in 64-bit words, then three floats: the vector's mean
 * absolute deviation from the means ({@code scale}), its squared norm, and {@code sum(mean_i *
 * sign_i)}.
 *
 * <p><b>One bit</b> a component: the bit is set when the component is above its dimension's mean
 * (Qdrant compares with zero; for centred embeddings that is the same, and for data that is not
 * centred, such as pixels, the signs would say little), so {@code v ≈ mean + scale * sign}. The dot
 * product is then {@code q·mean + scale * sum(q_i * sign_i)}. A binarized query ({@code default},
 * {@code binary}) is centred the same way and scores by a popcount of XORed words: {@code sum(q_i *
 * sign_i) ≈ sum(mean_i * sign_i) + scale_q * (agreeing - differing bits)}; a query kept at 8 or 4
 * bits ({@code scalar8bits}, {@code scalar4bits}) is split into {@link QueryPlanes} ANDed with the
 * code: {@code sum(q_i * sign_i) = 2 * sum_set(q) - sum(q)}.
 *
 * <p><b>Two bits</b>: each component's z-score falls in one of three buckets (below -2/3, within,
 * above 2/3), written as a thermometer code: the first plane says "not below", the second "above".
 * <b>One and a half bits</b> keeps the first plane and ORs the second plane's bits of each pair of
 * components into one. A component is read back as {@code mean + K * sd * (bucket - 1)}, {@code K}
 * the mean |z| of a normal beyond 2/3, so the dot product is {@code sum(q * mean) + sum_set(w) -
 * sum(w)} with {@code w = K * sd * q}, summed over the set bits of both planes with the query's bit
 * planes (at 8 or 4 bits as asked, else at 2). L2 uses {@code |q|² + |v|² - 2 * estimate}; L1 has
 * no such identity and decodes. Thread-safe: immutable.
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
  private final boolean oneBit;
  private final float[] mean;
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
    this.oneBit = encoding == Quantization.BinaryEncoding.ONE_BIT;
    this.queryBits =
        switch (config.queryEncodingOrDefault()) {
          case DEFAULT, BINARY -> oneBit ? 1 : 2;
          case SCALAR4BITS -> 4;
          case SCALAR8BITS -> 8;
        };
    this.mean = mean;
    this.sd = sd;
  }

  /** A quantizer of {@code config}, with each dimension's mean and spread over {@code sample}. */
  static BinaryQuantizer train(
      Quantization.Binary config, Distance distance, int dim, List<float[]> sample) {
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
    for (int i = 0; i < dim; i++) {
      out.writeFloat(mean[i]);
      out.writeFloat(sd[i]);
    }
  }

  @Override
  public int codeBytes() {
    return (words + secondWords) * Long.BYTES + 3 * Float.BYTES;
  }

  /** The bucket of component {@code i}: 0 below -2/3 sd, 1 within, 2 above 2/3 sd. */
  private int bucket(int i, float x) {
    if (sd[i] < Float.MIN_NORMAL) {
      return 1; // no spread: every value is the mean
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
    float signedMean = 0;
    for (int i = 0; i < dim; i++) {
      abs += Math.abs(v[i] - mean[i]);
      norm += v[i] * v[i];
      if (oneBit) {
        boolean above = v[i] > mean[i];
        if (above) {
          first[i >>> 6] |= 1L << i;
        }
        signedMean += above ? mean[i] : -mean[i];
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
    dst.set(FLOAT, tail + 2 * Float.BYTES, signedMean);
  }

  @Override
  public SlotScorer scorer(float[] query, Codes codes) {
    float norm = 0;
    float onMeans = 0;
    for (int i = 0; i < dim; i++) {
      norm += query[i] * query[i];
      onMeans += query[i] * mean[i];
    }
    float queryNorm = norm;
    long tail = (long) (words + secondWords) * Long.BYTES;
    if (distance == Distance.MANHATTAN) {
      return slot -> -l1(query, codes.segment(slot), codes.offset(slot));
    }
    DotEstimate dot =
        !oneBit
            ? buckets(query, onMeans)
            : queryBits == 1 ? symmetric(query, onMeans) : signPlanes(query, onMeans);
    return slot -> {
      MemorySegment seg = codes.segment(slot);
      long at = codes.offset(slot);
      float estimate = dot.of(seg, at, at + tail);
      if (distance == Distance.EUCLID) {
        float vectorNorm = seg.get(FLOAT, at + tail + Float.BYTES);
        return -Math.max(0, queryNorm + vectorNorm - 2 * estimate);
      }
      return estimate;
    };
  }

  /** The dot product's estimate for the code at {@code at}, whose floats start at {@code tail}. */
  private interface DotEstimate {
    float of(MemorySegment seg, long at, long tail);
  }

  /**
   * Both sides one bit, centred: {@code q·mean + scale_v * (sum(mean_i * sign_i) + scale_q *
   * (agreeing - differing bits))}.
   */
  private DotEstimate symmetric(float[] query, float onMeans) {
    long[] q = new long[words];
    float deviation = 0;
    for (int i = 0; i < dim; i++) {
      if (query[i] > mean[i]) {
        q[i >>> 6] |= 1L << i;
      }
      deviation += Math.abs(query[i] - mean[i]);
    }
    float queryScale = deviation / dim;
    return (seg, at, tail) -> {
      int differing = 0;
      for (int w = 0; w < words; w++) {
        differing += Long.bitCount(q[w] ^ seg.get(LONG, at + (long) w * Long.BYTES));
      }
      float scale = seg.get(FLOAT, tail);
      float signedMean = seg.get(FLOAT, tail + 2 * Float.BYTES);
      return onMeans + scale * (signedMean + queryScale * (dim - 2 * differing));
    };
  }

  /**
   * One-bit codes against the query's bit planes: {@code q·mean + scale * (2 * sum_set(q) -
   * sum(q))}.
   */
  private DotEstimate signPlanes(float[] query, float onMeans) {
    QueryPlanes q = new QueryPlanes(query, queryBits, words);
    return (seg, at, tail) -> {
      long set = 0;
      long weighted = 0;
      for (int w = 0; w < words; w++) {
        long code = seg.get(LONG, at + (long) w * Long.BYTES);
        set += Long.bitCount(code);
        weighted += q.weighted(code, w);
      }
      return onMeans + seg.get(FLOAT, tail) * (2 * q.sum(set, weighted) - q.total);
    };
  }

  /** Two and one and a half bits: {@code sum(q * mean) + sum_set(w) - sum(w)}. */
  private DotEstimate buckets(float[] query, float onMeans) {
    float[] weights = new float[dim];
    for (int i = 0; i < dim; i++) {
      weights[i] = K * sd[i] * query[i];
    }
    QueryPlanes w = new QueryPlanes(weights, queryBits, words);
    float constant = onMeans - w.total;
    boolean pairs = encoding == Quantization.BinaryEncoding.ONE_AND_HALF_BITS;
    return (seg, at, tail) -> {
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
      if (oneBit) {
        decoded = one ? mean[i] + scale : mean[i] - scale;
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
}
