package dev.quiver.storage.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.testing.TestSeed;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorMathTest {
  @Test
  void simdKernelsAgreeWithScalarOnes() {
    long seed = TestSeed.of("VectorMathTest");
    Random r = new Random(seed);
    assertThat(VectorMath.simd()).as("tests run with --add-modules jdk.incubator.vector").isTrue();
    for (int dim = 1; dim <= 300; dim += 7) {
      float[] a = new float[dim];
      float[] b = new float[dim];
      for (int i = 0; i < dim; i++) {
        a[i] = (float) r.nextGaussian();
        b[i] = (float) r.nextGaussian();
      }
      float tol = 1e-4f * dim;
      assertThat(SimdKernels.dot(a, b)).isCloseTo(ScalarKernels.dot(a, b), within(tol));
      assertThat(SimdKernels.l2Squared(a, b)).isCloseTo(ScalarKernels.l2Squared(a, b), within(tol));
      assertThat(SimdKernels.l1(a, b)).isCloseTo(ScalarKernels.l1(a, b), within(tol));
    }
  }

  @Test
  void atLeastFindsTheSameIndexesAsAPlainLoop() {
    Random r = new Random(TestSeed.of("VectorMathTest.atLeast"));
    float[] a = new float[300];
    int[] simd = new int[300];
    int[] plain = new int[300];
    for (int length = 0; length <= a.length; length += 13) {
      for (int i = 0; i < a.length; i++) {
        a[i] = r.nextInt(3) == 0 ? 0 : (float) r.nextGaussian();
      }
      float min = (float) r.nextGaussian();
      int n = SimdKernels.atLeast(a, length, min, simd);
      assertThat(n).isEqualTo(ScalarKernels.atLeast(a, 0, length, min, plain, 0));
      assertThat(Arrays.copyOf(simd, n)).isEqualTo(Arrays.copyOf(plain, n));
      for (int i = 0; i < n; i++) {
        assertThat(simd[i]).isLessThan(length);
        assertThat(a[simd[i]]).isGreaterThanOrEqualTo(min);
      }
    }
  }

  @Test
  void normalizeMakesUnitLengthAndKeepsZero() {
    float[] v = {3, 4};
    VectorMath.normalize(v);
    assertThat(v[0]).isCloseTo(0.6f, within(1e-6f));
    assertThat(v[1]).isCloseTo(0.8f, within(1e-6f));
    float[] zero = {0, 0, 0};
    VectorMath.normalize(zero);
    assertThat(zero).containsExactly(0, 0, 0);
  }
}
