package dev.quiver.storage.internal.quant;

/**
 * A query vector at {@code bits} bits a component, {@code x ≈ lo + step * u}, split into bit planes
 * of 64-bit words: the sum of the components under a mask of set bits is {@code lo * popcount(mask)
 * + step * sum_k 2^k popcount(plane_k & mask)}, one popcount per plane and word, which is how
 * binary and turbo codes are scored against a query kept at more bits than the codes. Immutable
 * once built; one per query, so thread-confined.
 */
final class QueryPlanes {
  final float lo;
  final float step;
  final float total;
  private final long[][] plane;

  /**
   * The step of the uniform quantizer with the least squared error on a standard normal, by bits
   * (Max 1960): at 8 bits the range of the values themselves is as good.
   */
  private static final double[] GAUSSIAN_STEP = {Double.NaN, 1.596, 0.996, 0.586, 0.335};

  QueryPlanes(float[] x, int bits, int words) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    double sum = 0;
    double squares = 0;
    for (float v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      squares += (double) v * v;
    }
    int levels = (1 << bits) - 1;
    double mean = sum / x.length;
    double sd = Math.sqrt(Math.max(0, squares / x.length - mean * mean));
    double clipped = bits < GAUSSIAN_STEP.length ? GAUSSIAN_STEP[bits] * sd : Double.NaN;
    if (clipped > 0 && clipped * levels < max - min) {
      // few levels: spread them as the best uniform quantizer of a normal does, the tails clamped
      this.step = (float) clipped;
      this.lo = (float) (mean - clipped * levels / 2);
    } else {
      this.lo = min;
      this.step = max > min ? (max - min) / levels : 1;
    }
    this.total = (float) sum;
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
