package dev.quiver.storage.internal.quant;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.internal.vector.SlotScorer;
import dev.quiver.storage.internal.vector.VectorMath;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Qdrant's binary quantization. Training measures each dimension's mean and standard deviation over
 * the sample; a vector is coded as its centred form {@code u = v - mean}: bit planes in 64-bit
 * words, then three floats: an unbiasing factor {@code f}, {@code |u|²} and {@code mean·u}.
 *
 * <p>The estimate of {@code p·u}, {@code p = q - mean} the centred query, is {@code f * p·û} with
 * {@code û} the vector the bits read back as and {@code f = |u|² / (û·u)}: the factor that makes
 * the estimate exact for {@code p = u} and unbiased for a random {@code p} (RaBitQ's correction;
 * without it the estimate shrinks towards zero by how much the bits lose). The similarity is then
 * exact but for that term: {@code q·v = p·u + mean·u + q·mean} and {@code |q - v|² = |p|² + |u|² -
 * 2 p·u} ({@link Centred}). L1 has no such identity and decodes.
 *
 * <p><b>One bit</b> a component: the bit is set when the component is above its dimension's mean
 * (Qdrant compares with zero; for centred embeddings that is the same, and for data that is not
 * centred, such as pixels, the signs would say little), {@code û = sign}, so {@code f = |u|² /
 * sum|u_i|}. A binarized query ({@code default}, {@code binary}) is the signs of {@code p} with its
 * own factor, and scores by a popcount of XORed words: {@code p·u ≈ f * f_q * (agreeing - differing
 * bits)}; a query kept at 8 or 4 bits ({@code scalar8bits}, {@code scalar4bits}) is split into
 * {@link QueryPlanes} ANDed with the code: {@code p·sign = 2 * sum_set(p) - sum(p)}.
 *
 * <p><b>Two bits</b>: each component's z-score falls in one of three buckets (below -2/3, within,
 * above 2/3), written as a thermometer code: the first plane says "not below", the second "above".
 * <b>One and a half bits</b> keeps the first plane and ORs the second plane's bits of each pair of
 * components into one. A component reads back as {@code û_i = K * sd_i * (bucket - 1)}, {@code K}
 * the mean |z| of a normal beyond 2/3, so {@code p·û = sum_set(w) - sum(w)} with {@code w = K * sd
 * * p}, summed over the set bits of both planes with the query's bit planes (at 8 or 4 bits as
 * asked, else at 2). Thread-safe: immutable.
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
  private final double meanSquared;

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
    this.meanSquared = VectorMath.dot(mean, mean);
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

  /**
   * Version 1 codes held the uncentred norm and an estimate of {@code mean·v}, without a factor.
   */
  @Override
  public int oldestCodeVersion() {
    return 2;
  }

  @Override
  public int codeBytes() {
    return (words + secondWords) * Long.BYTES + Centred.TAIL_BYTES;
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
    Centred c = new Centred(v, mean);
    for (int i = 0; i < dim; i++) {
      int b = oneBit ? (c.u[i] > 0 ? 1 : 0) : bucket(i, v[i]);
      if (b >= 1) {
        first[i >>> 6] |= 1L << i;
      }
      if (b == 2) {
        int j = encoding == Quantization.BinaryEncoding.TWO_BITS ? i : i >>> 1;
        second[j >>> 6] |= 1L << j;
      }
    }
    // û·u with û as the bits read back (one and a half bits: a pair's bit may raise a component)
    double agreement = 0;
    for (int i = 0; i < dim; i++) {
      double u = c.u[i];
      boolean one = (first[i >>> 6] >>> i & 1) != 0;
      if (oneBit) {
        agreement += one ? u : -u;
      } else {
        int j = encoding == Quantization.BinaryEncoding.TWO_BITS ? i : i >>> 1;
        int b = (one ? 1 : 0) + (one && (second[j >>> 6] >>> j & 1) != 0 ? 1 : 0);
        agreement += K * sd[i] * (b - 1) * u;
      }
    }
    for (int w = 0; w < words; w++) {
      dst.set(LONG, at + (long) w * Long.BYTES, first[w]);
    }
    for (int w = 0; w < secondWords; w++) {
      dst.set(LONG, at + (long) (words + w) * Long.BYTES, second[w]);
    }
    c.writeTail(
        dst,
        at + (long) (words + secondWords) * Long.BYTES,
        agreement > 0 ? (float) (c.squared / agreement) : 0f);
  }

  @Override
  public SlotScorer scorer(float[] query, Codes codes) {
    if (distance == Distance.MANHATTAN) {
      return slot -> -l1(query, codes.segment(slot), codes.offset(slot));
    }
    Centred p = new Centred(query, mean);
    Centred.CodeDot dot =
        !oneBit ? buckets(p.u) : queryBits == 1 ? symmetric(p.u, p.squared) : signPlanes(p.u);
    return p.scorer(
        codes,
        (long) (words + secondWords) * Long.BYTES,
        distance == Distance.EUCLID,
        meanSquared,
        dot);
  }

  /**
   * Both sides one bit: {@code f_q * (agreeing - differing bits)}, {@code f_q = |p|² / sum|p_i|}
   * the query's own unbiasing factor.
   */
  private Centred.CodeDot symmetric(float[] centred, double squared) {
    long[] q = new long[words];
    double deviation = 0;
    for (int i = 0; i < dim; i++) {
      if (centred[i] > 0) {
        q[i >>> 6] |= 1L << i;
      }
      deviation += Math.abs(centred[i]);
    }
    float factor = deviation > 0 ? (float) (squared / deviation) : 0f;
    return (seg, at) -> {
      int differing = 0;
      for (int w = 0; w < words; w++) {
        differing += Long.bitCount(q[w] ^ seg.get(LONG, at + (long) w * Long.BYTES));
      }
      return factor * (dim - 2 * differing);
    };
  }

  /** One-bit codes against the centred query's bit planes: {@code 2 * sum_set(p) - sum(p)}. */
  private Centred.CodeDot signPlanes(float[] centred) {
    QueryPlanes p = new QueryPlanes(centred, queryBits, words);
    return (seg, at) -> {
      long set = 0;
      long weighted = 0;
      for (int w = 0; w < words; w++) {
        long code = seg.get(LONG, at + (long) w * Long.BYTES);
        set += Long.bitCount(code);
        weighted += p.weighted(code, w);
      }
      return 2 * p.sum(set, weighted) - p.total;
    };
  }

  /** Two and one and a half bits: {@code sum_set(w) - sum(w)}, {@code w = K * sd * p}. */
  private Centred.CodeDot buckets(float[] centred) {
    float[] weights = new float[dim];
    for (int i = 0; i < dim; i++) {
      weights[i] = K * sd[i] * centred[i];
    }
    QueryPlanes w = new QueryPlanes(weights, queryBits, words);
    boolean pairs = encoding == Quantization.BinaryEncoding.ONE_AND_HALF_BITS;
    return (seg, at) -> {
      long set = 0;
      long weighted = 0;
      for (int k = 0; k < words; k++) {
        long first = seg.get(LONG, at + (long) k * Long.BYTES);
        long second = pairs ? first & expandedPairs(seg, at, k) : secondWord(seg, at, k);
        set += Long.bitCount(first) + Long.bitCount(second);
        weighted += w.weighted(first, k) + w.weighted(second, k);
      }
      return w.sum(set, weighted) - w.total;
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
    long tail = at + (long) (words + secondWords) * Long.BYTES;
    // one bit reads back as mean ± the mean |u_i|: sum|u_i| = |u|² / f
    float factor = seg.get(FLOAT, tail);
    float scale = factor > 0 ? seg.get(FLOAT, tail + Float.BYTES) / (factor * dim) : 0f;
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
