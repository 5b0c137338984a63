package dev.quiver.storage.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.storage.Distance;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffHeapVectorsTest {
  @TempDir Path dir;

  @Test
  void mappedKernelsAgreeWithScalarOnesAtEveryDimension() {
    long seed = TestSeed.of("mappedKernelsAgreeWithScalarOnesAtEveryDimension");
    Random r = new Random(seed);
    for (int dim = 1; dim <= 400; dim += 13) {
      try (OffHeapVectors v = new OffHeapVectors(dir.resolve("d" + dim), dim)) {
        float[] a = new float[dim];
        float[] b = new float[dim];
        for (int i = 0; i < dim; i++) {
          a[i] = (float) r.nextGaussian();
          b[i] = (float) r.nextGaussian();
        }
        int slot = v.add(b);
        float tol = 1e-4f * dim;
        assertThat(v.get(slot)).containsExactly(b);
        assertThat(v.similarity(Distance.DOT, a, slot))
            .isCloseTo(ScalarKernels.dot(a, b), within(tol));
        assertThat(-v.similarity(Distance.EUCLID, a, slot))
            .isCloseTo(ScalarKernels.l2Squared(a, b), within(tol));
        assertThat(-v.similarity(Distance.MANHATTAN, a, slot))
            .isCloseTo(ScalarKernels.l1(a, b), within(tol));
      }
    }
  }

  @Test
  void bulkSimilaritiesEqualOneAtATimeForEveryDistanceAndCount() {
    long seed = TestSeed.of("bulkSimilaritiesEqualOneAtATimeForEveryDistanceAndCount");
    Random r = new Random(seed);
    for (int dim : new int[] {1, 7, 16, 33, 384, 385}) {
      try (OffHeapVectors v = new OffHeapVectors(dir.resolve("b" + dim), dim)) {
        for (int n = 0; n < 11; n++) {
          float[] x = new float[dim];
          for (int i = 0; i < dim; i++) {
            x[i] = (float) r.nextGaussian();
          }
          v.add(x);
        }
        float[] q = new float[dim];
        for (int i = 0; i < dim; i++) {
          q[i] = (float) r.nextGaussian();
        }
        for (Distance d : Distance.values()) {
          for (int count = 0; count <= 11; count++) {
            int[] slots = new int[count];
            for (int i = 0; i < count; i++) {
              slots[i] = r.nextInt(11);
            }
            float[] out = new float[count];
            v.similarities(d, q, slots, count, out);
            for (int i = 0; i < count; i++) {
              assertThat(out[i])
                  .as("%s dim %d count %d #%d", d, dim, count, i)
                  .isCloseTo(v.similarity(d, q, slots[i]), within(1e-4f * dim));
            }
          }
        }
      }
    }
  }

  @Test
  void growsAcrossChunksAndReopensKeepingTheRestoredPrefix() {
    int dim = 3;
    int n = OffHeapVectors.CHUNK_VECTORS + 10;
    try (OffHeapVectors v = new OffHeapVectors(dir, dim)) {
      for (int i = 0; i < n; i++) {
        v.add(new float[] {i, -i, 0.5f});
      }
      v.force();
    }
    try (OffHeapVectors v = new OffHeapVectors(dir, dim, n - 5)) {
      assertThat(v.size()).isEqualTo(n - 5);
      assertThat(v.get(OffHeapVectors.CHUNK_VECTORS + 2))
          .containsExactly(
              OffHeapVectors.CHUNK_VECTORS + 2, -(OffHeapVectors.CHUNK_VECTORS + 2), 0.5f);
      int slot = v.add(new float[] {7, 7, 7});
      assertThat(slot).isEqualTo(n - 5);
      assertThat(v.get(slot)).containsExactly(7, 7, 7);
    }
  }
}
