package dev.quiver.storage.internal.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API distance kernels; only loaded when the incubator module is present. Stateless (static
 * methods only), so thread-safe.
 */
public final class SimdKernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private SimdKernels() {}

  static float dot(float[] a, float[] b) {
    int i = 0;
    int bound = S.loopBound(a.length);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += S.length()) {
      acc = FloatVector.fromArray(S, a, i).fma(FloatVector.fromArray(S, b, i), acc);
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static float l2Squared(float[] a, float[] b) {
    int i = 0;
    int bound = S.loopBound(a.length);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += S.length()) {
      FloatVector d = FloatVector.fromArray(S, a, i).sub(FloatVector.fromArray(S, b, i));
      acc = d.fma(d, acc);
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < a.length; i++) {
      float d = a[i] - b[i];
      s += d * d;
    }
    return s;
  }

  static float l1(float[] a, float[] b) {
    int i = 0;
    int bound = S.loopBound(a.length);
    FloatVector acc = FloatVector.zero(S);
    for (; i < bound; i += S.length()) {
      acc = acc.add(FloatVector.fromArray(S, a, i).sub(FloatVector.fromArray(S, b, i)).abs());
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < a.length; i++) {
      s += Math.abs(a[i] - b[i]);
    }
    return s;
  }

  static int atLeast(float[] a, int length, float min, int[] out) {
    int i = 0;
    int n = 0;
    int bound = S.loopBound(length);
    for (; i < bound; i += S.length()) {
      long bits = FloatVector.fromArray(S, a, i).compare(VectorOperators.GE, min).toLong();
      while (bits != 0) {
        out[n++] = i + Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
      }
    }
    return ScalarKernels.atLeast(a, i, length, min, out, n);
  }
}
