package dev.quiver.storage.internal.quant;

import dev.quiver.storage.internal.vector.SlotScorer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A vector less the data's mean, as binary and turbo codes describe it: {@code u = v - mean}, with
 * {@code |u|²} and {@code mean·u}, the two terms a code keeps exact. Such a code ends with three
 * floats, the scale of its estimate of {@code p·u} ({@code p} the centred query), {@code |u|²} and
 * {@code mean·u}, from which {@link #scorer} gives the similarity: {@code q·v = p·u + mean·u +
 * q·mean} and {@code |q - v|² = |p|² + |u|² - 2 p·u}, exact but for the estimate. Immutable.
 */
final class Centred {
  private static final ValueLayout.OfFloat FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

  /** The bytes of a code's tail. */
  static final int TAIL_BYTES = 3 * Float.BYTES;

  final float[] u;
  final double squared;
  final double onMean;

  Centred(float[] v, float[] mean) {
    this.u = new float[mean.length];
    double sq = 0;
    double on = 0;
    for (int i = 0; i < mean.length; i++) {
      u[i] = v[i] - mean[i];
      sq += (double) u[i] * u[i];
      on += (double) mean[i] * u[i];
    }
    this.squared = sq;
    this.onMean = on;
  }

  /** Writes the tail at {@code at}: {@code scale}, {@code |u|²}, {@code mean·u}. */
  void writeTail(MemorySegment dst, long at, float scale) {
    dst.set(FLOAT, at, scale);
    dst.set(FLOAT, at + Float.BYTES, (float) squared);
    dst.set(FLOAT, at + 2 * Float.BYTES, (float) onMean);
  }

  /** {@code p·û} for the code at {@code at}, before the code's scale. */
  interface CodeDot {
    float of(MemorySegment seg, long at);
  }

  /**
   * A scorer of this centred query against codes whose tail starts {@code tail} bytes into each;
   * {@code meanSquared} is {@code |mean|²}, which turns the query's {@code mean·p} into {@code
   * q·mean}. An L2 estimate is not clamped at zero: one below it still ranks (clamped, the nearest
   * would tie).
   */
  SlotScorer scorer(
      Quantizer.Codes codes, long tail, boolean euclid, double meanSquared, CodeDot dot) {
    float querySquared = (float) squared;
    float queryOnMean = (float) (onMean + meanSquared);
    return slot -> {
      MemorySegment seg = codes.segment(slot);
      long at = codes.offset(slot);
      float estimate = seg.get(FLOAT, at + tail) * dot.of(seg, at);
      if (euclid) {
        return -(querySquared + seg.get(FLOAT, at + tail + Float.BYTES) - 2 * estimate);
      }
      return estimate + seg.get(FLOAT, at + tail + 2 * Float.BYTES) + queryOnMean;
    };
  }
}
