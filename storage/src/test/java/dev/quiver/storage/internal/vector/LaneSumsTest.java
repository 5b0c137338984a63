package dev.quiver.storage.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class LaneSumsTest {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  /** The pairwise order, lane by lane in plain Java: half the width folded onto the rest. */
  private static float pairwise(float[] lanes) {
    float[] x = lanes.clone();
    for (int width = x.length / 2; width >= 1; width /= 2) {
      for (int i = 0; i < width; i++) {
        x[i] = x[i] + x[i + width];
      }
    }
    return x[0];
  }

  @Test
  void theLanesAreAddedPairwiseInterpretedAndCompiled() {
    SplittableRandom random = new SplittableRandom(20261207L);
    float[] lanes = new float[S.length()];
    // enough calls for the JIT to compile the sum while the loop runs
    for (int n = 0; n < 200_000; n++) {
      for (int i = 0; i < lanes.length; i++) {
        lanes[i] = (float) (random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-3, 4)));
      }
      float sum = LaneSums.sum(FloatVector.fromArray(S, lanes, 0));
      if (Float.floatToIntBits(sum) != Float.floatToIntBits(pairwise(lanes))) {
        assertThat(sum)
            .as("call %d, lanes %s", n, Arrays.toString(lanes))
            .isEqualTo(pairwise(lanes));
      }
    }
  }

  /**
   * A kernel's score of the same two vectors is the same at its first call (interpreted) and after
   * the JIT has compiled it: an exact search and the rescore of its points agree to the bit.
   */
  @Test
  void aKernelScoresTheSameVectorsTheSameBeforeAndAfterItIsCompiled() {
    SplittableRandom random = new SplittableRandom(7);
    int pairs = 32;
    float[][] a = new float[pairs][];
    float[][] b = new float[pairs][];
    float[] first = new float[pairs];
    for (int p = 0; p < pairs; p++) {
      a[p] = new float[384];
      b[p] = new float[384];
      for (int i = 0; i < 384; i++) {
        a[p][i] = (float) random.nextGaussian();
        b[p][i] = (float) random.nextGaussian();
      }
      first[p] = SimdKernels.dot(a[p], b[p]);
    }
    float sink = 0;
    for (int n = 0; n < 20_000; n++) {
      for (int p = 0; p < pairs; p++) {
        sink += SimdKernels.dot(a[p], b[p]);
      }
    }
    assertThat(sink).isNotNaN();
    for (int p = 0; p < pairs; p++) {
      assertThat(SimdKernels.dot(a[p], b[p])).as("pair %d", p).isEqualTo(first[p]);
    }
  }
}
