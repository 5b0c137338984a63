package dev.quiver.storage.internal.quant;

import dev.quiver.storage.Distance;
import dev.quiver.storage.internal.vector.SlotScorer;
import dev.quiver.storage.internal.vector.VectorMath;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * TurboQuant-style codes (Zandieh et al., "TurboQuant", 2025) of the centred vector {@code u = v -
 * mean}: {@code u} is rotated by a seeded randomized Hadamard transform (two rounds of random signs
 * and a fast Walsh-Hadamard transform over the dimension padded to a power of two), after which
 * every coordinate is close to a normal of variance {@code |u|² / D}; each coordinate is then
 * stored as the index of its Lloyd-Max level for a standard normal at 1, 2 or 4 bits ({@code
 * bits1}, {@code bits2}, {@code bits4}). {@code bits1_5} keeps one bit for each of {@code 1.5 x
 * dim} rotated coordinates of a transform padded further. Training measures the mean; the
 * rotation's seed is the other parameter.
 *
 * <p>A code ends with three floats: a scale {@code |u|² / sum(u'_i * level(code_i))}, {@code |u|²}
 * and {@code mean·u}. A query is centred and rotated the same way once; since the rotation keeps
 * dot products, {@code p·u} ({@code p = q - mean}) is estimated as {@code scale * sum(p'_i *
 * level(code_i))}: exact for {@code p = u} and unbiased for a random {@code p} (the levels alone
 * shrink it), and whatever coordinates are kept. Then {@code q·v = p·u + mean·u + q·mean} and
 * {@code |q - v|² = |p|² + |u|² - 2 p·u}, exact but for the estimate. One and two bits are affine
 * in their bit planes (the levels are symmetric), so they are scored with the query's 8-bit planes
 * and popcounts; four bits look each coordinate's level up. L1 is not kept by a rotation, so
 * Manhattan vectors are refused at the edges. Thread-safe: immutable.
 */
final class TurboQuantizer implements Quantizer {
  private static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());

  private static final float[] LEVELS_1 = LloydMax.levels(2);
  private static final float[] LEVELS_2 = LloydMax.levels(4);
  private static final float[] LEVELS_4 = LloydMax.levels(16);

  private final Distance distance;
  private final int dim;
  private final int padded; // the transform's size, a power of two
  private final int kept; // the rotated coordinates stored
  private final int bits; // per kept coordinate: 1, 2 or 4
  private final float[] levels;
  private final float[] thresholds;
  private final float[] signs1;
  private final float[] signs2;
  private final int words;
  private final long seed;
  private final float[] mean;
  private final double meanSquared;

  /** Codes of {@code bitSize} around {@code mean} (zeros: uncentred). */
  TurboQuantizer(String bitSize, Distance distance, int dim, long seed, float[] mean) {
    this.seed = seed;
    this.mean = mean;
    this.meanSquared = VectorMath.dot(mean, mean);
    this.distance = distance;
    this.dim = dim;
    boolean oneAndHalf = "bits1_5".equals(bitSize);
    int wanted = oneAndHalf ? (dim * 3 + 1) / 2 : dim;
    this.padded = Integer.highestOneBit(Math.max(1, wanted - 1)) << 1;
    this.kept = oneAndHalf ? wanted : padded;
    this.bits =
        switch (bitSize == null ? "bits4" : bitSize) {
          case "bits1", "bits1_5" -> 1;
          case "bits2" -> 2;
          case "bits4" -> 4;
          default -> throw new IllegalArgumentException("unknown turbo bits " + bitSize);
        };
    this.levels = bits == 1 ? LEVELS_1 : bits == 2 ? LEVELS_2 : LEVELS_4;
    this.thresholds = new float[levels.length - 1];
    for (int i = 0; i < thresholds.length; i++) {
      thresholds[i] = (levels[i] + levels[i + 1]) / 2;
    }
    SplittableRandom random = new SplittableRandom(seed);
    this.signs1 = new float[padded];
    this.signs2 = new float[padded];
    for (int i = 0; i < padded; i++) {
      signs1[i] = random.nextBoolean() ? 1 : -1;
      signs2[i] = random.nextBoolean() ? 1 : -1;
    }
    this.words = (kept + 63) >>> 6;
  }

  /** A quantizer of {@code bitSize} around the mean of {@code sample}. */
  static TurboQuantizer train(
      String bitSize, Distance distance, int dim, List<float[]> sample, long seed) {
    double[] sum = new double[dim];
    for (float[] v : sample) {
      for (int i = 0; i < dim; i++) {
        sum[i] += v[i];
      }
    }
    float[] mean = new float[dim];
    for (int i = 0; i < dim; i++) {
      mean[i] = (float) (sum[i] / Math.max(1, sample.size()));
    }
    return new TurboQuantizer(bitSize, distance, dim, seed, mean);
  }

  /**
   * Reads the parameters: the seed, then the mean (absent from the parameters of uncentred codes,
   * whose code files are older than {@link #oldestCodeVersion} and are encoded again).
   */
  static TurboQuantizer read(DataInputStream in, String bits, Distance distance, int dim)
      throws IOException {
    long seed = in.readLong();
    float[] mean = new float[dim];
    if (in.available() > 0) {
      for (int i = 0; i < dim; i++) {
        mean[i] = in.readFloat();
      }
    }
    return new TurboQuantizer(bits, distance, dim, seed, mean);
  }

  @Override
  public void write(DataOutputStream out) throws IOException {
    out.writeLong(seed);
    for (float m : mean) {
      out.writeFloat(m);
    }
  }

  /** Version 2 and older codes were not centred and held the vector's spread and norm. */
  @Override
  public int oldestCodeVersion() {
    return 3;
  }

  @Override
  public int codeBytes() {
    int body = bits == 4 ? (kept + 1) / 2 : bits * words * Long.BYTES;
    return body + Centred.TAIL_BYTES;
  }

  /** {@code v} rotated: two rounds of random signs and a normalised Walsh-Hadamard transform. */
  private float[] rotate(float[] v) {
    float[] x = new float[padded];
    for (int i = 0; i < dim; i++) {
      x[i] = v[i] * signs1[i];
    }
    hadamard(x);
    for (int i = 0; i < padded; i++) {
      x[i] *= signs2[i];
    }
    hadamard(x);
    return x;
  }

  /** In place, scaled by {@code 1/sqrt(n)} so that it is orthonormal. */
  private static void hadamard(float[] x) {
    int n = x.length;
    for (int h = 1; h < n; h <<= 1) {
      for (int i = 0; i < n; i += h << 1) {
        for (int j = i; j < i + h; j++) {
          float a = x[j];
          float b = x[j + h];
          x[j] = a + b;
          x[j + h] = a - b;
        }
      }
    }
    float scale = (float) (1 / Math.sqrt(n));
    for (int i = 0; i < n; i++) {
      x[i] *= scale;
    }
  }

  private int level(float z) {
    int k = 0;
    while (k < thresholds.length && z >= thresholds[k]) {
      k++;
    }
    return k;
  }

  @Override
  public void encode(float[] v, MemorySegment dst, long at) {
    Centred c = new Centred(v, mean);
    float sigma = (float) Math.sqrt(c.squared / padded);
    float[] r = rotate(c.u);
    int middle = levels.length / 2; // the level a zero vector takes
    double agreement = 0; // sum(u'_i * level_i): û·u over sigma
    long body;
    if (bits == 4) {
      for (int i = 0; i < kept; i += 2) {
        int lo = sigma > 0 ? level(r[i] / sigma) : middle;
        int hi = i + 1 < kept && sigma > 0 ? level(r[i + 1] / sigma) : middle;
        agreement += r[i] * levels[lo] + (i + 1 < kept ? r[i + 1] * levels[hi] : 0);
        dst.set(ValueLayout.JAVA_BYTE, at + i / 2, (byte) (lo | hi << 4));
      }
      body = (kept + 1) / 2;
    } else {
      long[][] plane = new long[bits][words];
      for (int i = 0; i < kept; i++) {
        int k = sigma > 0 ? level(r[i] / sigma) : middle;
        agreement += r[i] * levels[k];
        for (int b = 0; b < bits; b++) {
          if ((k >>> b & 1) != 0) {
            plane[b][i >>> 6] |= 1L << i;
          }
        }
      }
      for (int b = 0; b < bits; b++) {
        for (int w = 0; w < words; w++) {
          dst.set(LONG, at + ((long) b * words + w) * Long.BYTES, plane[b][w]);
        }
      }
      body = (long) bits * words * Long.BYTES;
    }
    c.writeTail(dst, at + body, agreement > 0 ? (float) (c.squared / agreement) : 0f);
  }

  @Override
  public SlotScorer scorer(float[] query, Codes codes) {
    Centred p = new Centred(query, mean);
    float[] r = rotate(p.u);
    float[] q = kept < padded ? Arrays.copyOf(r, kept) : r;
    long body = bits == 4 ? (kept + 1) / 2 : (long) bits * words * Long.BYTES;
    Centred.CodeDot estimate = bits == 4 ? lookup(q) : planes(q);
    return p.scorer(codes, body, distance == Distance.EUCLID, meanSquared, estimate);
  }

  /** Four bits: each coordinate's level looked up. */
  private Centred.CodeDot lookup(float[] q) {
    return (seg, at) -> {
      float sum = 0;
      for (int i = 0; i < kept; i += 2) {
        int packed = seg.get(ValueLayout.JAVA_BYTE, at + i / 2) & 0xFF;
        sum += q[i] * levels[packed & 15];
        if (i + 1 < kept) {
          sum += q[i + 1] * levels[packed >>> 4];
        }
      }
      return sum;
    };
  }

  /**
   * One and two bits: a symmetric set of levels is affine in the index's bits, {@code level = a +
   * sum_b c_b * bit_b}, so the sum is {@code a * sum(q') + sum_b c_b * sum_set_b(q')}, each taken
   * with the query's 8-bit planes.
   */
  private Centred.CodeDot planes(float[] q) {
    float a = levels[0];
    float[] c = new float[bits];
    for (int b = 0; b < bits; b++) {
      c[b] = levels[1 << b] - levels[0];
    }
    QueryPlanes planes = new QueryPlanes(q, 8, words);
    float base = a * planes.total;
    return (seg, at) -> {
      float sum = base;
      for (int b = 0; b < bits; b++) {
        long set = 0;
        long weighted = 0;
        for (int w = 0; w < words; w++) {
          long mask = seg.get(LONG, at + ((long) b * words + w) * Long.BYTES);
          set += Long.bitCount(mask);
          weighted += planes.weighted(mask, w);
        }
        sum += c[b] * planes.sum(set, weighted);
      }
      return sum;
    };
  }
}
