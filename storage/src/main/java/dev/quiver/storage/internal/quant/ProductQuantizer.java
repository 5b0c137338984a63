package dev.quiver.storage.internal.quant;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.internal.vector.SlotScorer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Product quantization (Jégou, Douze and Schmid, "Product quantization for nearest neighbor
 * search", 2011): the dimensions are cut into sub-vectors of {@code width} components ({@code
 * compression} x4, x8, x16, x32, x64 against float32: 1, 2, 4, 8 or 16 components a byte, as
 * Qdrant's ratios mean), each sub-space gets 256 centroids by k-means over the training sample, and
 * a vector is stored as the byte index of its nearest centroid in each. A query is scored by
 * asymmetric distance computation: one table per sub-space of the query's similarity to each
 * centroid, summed over a code's bytes. Thread-safe: immutable.
 */
final class ProductQuantizer implements Quantizer {
  static final int CENTROIDS = 256;
  private static final int ITERATIONS = 12;

  /** The most training vectors k-means runs over (it costs vectors x 256 x dim per round). */
  static final int MAX_TRAINING = 4096;

  private final Distance distance;
  private final int dim;
  private final int width;
  private final int spaces;
  private final float[][] centroids; // [space][centroid * len + j]

  private ProductQuantizer(Distance distance, int dim, int width, float[][] centroids) {
    this.distance = distance;
    this.dim = dim;
    this.width = width;
    this.spaces = (dim + width - 1) / width;
    this.centroids = centroids;
  }

  private int length(int space) {
    return Math.min(width, dim - space * width);
  }

  static ProductQuantizer train(
      String compression, Distance distance, int dim, List<float[]> sample, long seed) {
    int width = Quantization.productWidth(compression);
    int spaces = (dim + width - 1) / width;
    int n = Math.min(sample.size(), MAX_TRAINING);
    float[][] centroids = new float[spaces][];
    SplittableRandom random = new SplittableRandom(seed);
    for (int s = 0; s < spaces; s++) {
      int from = s * width;
      int len = Math.min(width, dim - from);
      float[] points = new float[n * len];
      for (int i = 0; i < n; i++) {
        float[] v = sample.get((int) ((long) i * sample.size() / Math.max(1, n)));
        System.arraycopy(v, from, points, i * len, len);
      }
      centroids[s] = kMeans(points, n, len, random);
    }
    return new ProductQuantizer(distance, dim, width, centroids);
  }

  /** Lloyd's k-means of {@code n} points of {@code len} components into 256 centroids. */
  private static float[] kMeans(float[] points, int n, int len, SplittableRandom random) {
    float[] c = new float[CENTROIDS * len];
    if (n == 0) {
      return c;
    }
    for (int k = 0; k < CENTROIDS; k++) { // seeded with random points (repeats when n < 256)
      System.arraycopy(points, random.nextInt(n) * len, c, k * len, len);
    }
    int[] assigned = new int[n];
    double[] sums = new double[CENTROIDS * len];
    int[] counts = new int[CENTROIDS];
    for (int round = 0; round < ITERATIONS; round++) {
      boolean moved = false;
      for (int i = 0; i < n; i++) {
        int best = nearest(points, i * len, c, len);
        moved |= best != assigned[i] || round == 0;
        assigned[i] = best;
      }
      if (!moved) {
        break;
      }
      Arrays.fill(sums, 0);
      Arrays.fill(counts, 0);
      for (int i = 0; i < n; i++) {
        int k = assigned[i];
        counts[k]++;
        for (int j = 0; j < len; j++) {
          sums[k * len + j] += points[i * len + j];
        }
      }
      for (int k = 0; k < CENTROIDS; k++) {
        if (counts[k] == 0) { // an empty cluster restarts at a random point
          System.arraycopy(points, random.nextInt(n) * len, c, k * len, len);
          continue;
        }
        for (int j = 0; j < len; j++) {
          c[k * len + j] = (float) (sums[k * len + j] / counts[k]);
        }
      }
    }
    return c;
  }

  /** The centroid nearest (L2) to the {@code len} components of {@code v} at {@code at}. */
  private static int nearest(float[] v, int at, float[] c, int len) {
    int best = 0;
    float bestDistance = Float.POSITIVE_INFINITY;
    for (int k = 0; k < CENTROIDS; k++) {
      float d = 0;
      for (int j = 0; j < len; j++) {
        float x = v[at + j] - c[k * len + j];
        d += x * x;
      }
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best;
  }

  static ProductQuantizer read(DataInputStream in, String compression, Distance distance, int dim)
      throws IOException {
    int width = Quantization.productWidth(compression);
    int spaces = (dim + width - 1) / width;
    float[][] centroids = new float[spaces][];
    for (int s = 0; s < spaces; s++) {
      int len = Math.min(width, dim - s * width);
      centroids[s] = new float[CENTROIDS * len];
      for (int i = 0; i < centroids[s].length; i++) {
        centroids[s][i] = in.readFloat();
      }
    }
    return new ProductQuantizer(distance, dim, width, centroids);
  }

  @Override
  public void write(DataOutputStream out) throws IOException {
    for (float[] c : centroids) {
      for (float x : c) {
        out.writeFloat(x);
      }
    }
  }

  @Override
  public int codeBytes() {
    return spaces;
  }

  @Override
  public void encode(float[] v, MemorySegment dst, long at) {
    for (int s = 0; s < spaces; s++) {
      int k = nearest(v, s * width, centroids[s], length(s));
      dst.set(ValueLayout.JAVA_BYTE, at + s, (byte) k);
    }
  }

  @Override
  public SlotScorer scorer(float[] query, Codes codes) {
    // one table of the query's partial similarity to every centroid of every sub-space
    float[] table = new float[spaces * CENTROIDS];
    for (int s = 0; s < spaces; s++) {
      int len = length(s);
      int from = s * width;
      float[] c = centroids[s];
      for (int k = 0; k < CENTROIDS; k++) {
        float part = 0;
        for (int j = 0; j < len; j++) {
          float q = query[from + j];
          float x = c[k * len + j];
          part +=
              switch (distance) {
                case DOT, COSINE -> q * x;
                case EUCLID -> -(q - x) * (q - x);
                case MANHATTAN -> -Math.abs(q - x);
              };
        }
        table[s * CENTROIDS + k] = part;
      }
    }
    return slot -> {
      MemorySegment seg = codes.segment(slot);
      long at = codes.offset(slot);
      float sum = 0;
      for (int s = 0; s < spaces; s++) {
        sum += table[s * CENTROIDS + (seg.get(ValueLayout.JAVA_BYTE, at + s) & 0xFF)];
      }
      return sum;
    };
  }
}
