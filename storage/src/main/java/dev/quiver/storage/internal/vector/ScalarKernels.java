package dev.quiver.storage.internal.vector;

/**
 * Plain-loop distance kernels: the reference and the fallback. Stateless (static methods only), so
 * thread-safe.
 */
public final class ScalarKernels {
  private ScalarKernels() {}

  static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static float l2Squared(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      float d = a[i] - b[i];
      s += d * d;
    }
    return s;
  }

  static float l1(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += Math.abs(a[i] - b[i]);
    }
    return s;
  }

  /**
   * {@link VectorMath#atLeast} from index {@code from}, appending at {@code n}; returns the count.
   */
  static int atLeast(float[] a, int from, int length, float min, int[] out, int n) {
    for (int i = from; i < length; i++) {
      if (a[i] >= min) {
        out[n++] = i;
      }
    }
    return n;
  }
}
