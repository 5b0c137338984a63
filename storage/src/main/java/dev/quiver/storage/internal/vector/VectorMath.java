package dev.quiver.storage.internal.vector;

import dev.quiver.storage.Distance;
import org.apache.logging.log4j.LogManager;

/**
 * Distance kernels (public for {@link Distance}; not an API of its own). Uses the Vector API
 * ({@code jdk.incubator.vector}) when the module is present, otherwise plain loops; both give the
 * same results up to float rounding, which a test checks. Stateless and thread-safe.
 */
public final class VectorMath {
  private static final boolean SIMD = simdAvailable();

  private VectorMath() {}

  /** The score Qdrant reports for {@code a} against {@code b} under {@code distance}. */
  public static float score(Distance distance, float[] a, float[] b) {
    return switch (distance) {
      case COSINE, DOT -> dot(a, b);
      case EUCLID -> (float) Math.sqrt(l2Squared(a, b));
      case MANHATTAN -> l1(a, b);
    };
  }

  /** Scales {@code v} to unit length in place (zero vectors stay zero). */
  public static void normalize(float[] v) {
    double norm = Math.sqrt(dot(v, v));
    if (norm > 0 && Math.abs(norm - 1.0) > 1e-7) {
      float inv = (float) (1.0 / norm);
      for (int i = 0; i < v.length; i++) {
        v[i] *= inv;
      }
    }
  }

  public static float dot(float[] a, float[] b) {
    return SIMD ? SimdKernels.dot(a, b) : ScalarKernels.dot(a, b);
  }

  public static float l2Squared(float[] a, float[] b) {
    return SIMD ? SimdKernels.l2Squared(a, b) : ScalarKernels.l2Squared(a, b);
  }

  public static float l1(float[] a, float[] b) {
    return SIMD ? SimdKernels.l1(a, b) : ScalarKernels.l1(a, b);
  }

  /**
   * Writes to {@code out} the indexes below {@code length} whose value in {@code a} is at least
   * {@code min}, ascending; returns how many. {@code out} holds at least {@code length}.
   */
  public static int atLeast(float[] a, int length, float min, int[] out) {
    return SIMD
        ? SimdKernels.atLeast(a, length, min, out)
        : ScalarKernels.atLeast(a, 0, length, min, out, 0);
  }

  static boolean simd() {
    return SIMD;
  }

  private static boolean simdAvailable() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      LogManager.getLogger(VectorMath.class)
          .warn(
              "jdk.incubator.vector is not enabled; using scalar distance kernels "
                  + "(start the JVM with --add-modules jdk.incubator.vector)");
      return false;
    }
    return true;
  }
}
