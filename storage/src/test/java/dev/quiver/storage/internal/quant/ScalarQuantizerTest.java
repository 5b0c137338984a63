package dev.quiver.storage.internal.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.internal.vector.SlotScorer;
import dev.quiver.testing.TestSeed;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Scalar codes scored in a walk's batches (four at a time, the rest one by one) score exactly as
 * each code scored alone, for every distance and for dimensions with and without a tail past the
 * vector lanes.
 */
class ScalarQuantizerTest {
  @ParameterizedTest
  @EnumSource(Distance.class)
  void batchesScoreAsSingleCodesDo(Distance distance) {
    Random r = new Random(TestSeed.of("batchesScoreAsSingleCodesDo(" + distance + ")"));
    for (int dim : new int[] {7, 16, 37, 64, 384}) {
      List<float[]> sample = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
          v[d] = (float) r.nextGaussian();
        }
        sample.add(v);
      }
      ScalarQuantizer q =
          ScalarQuantizer.train(new Quantization.Scalar(0.99f, null, null), distance, dim, sample);
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment seg = arena.allocate((long) dim * sample.size());
        for (int i = 0; i < sample.size(); i++) {
          q.encode(sample.get(i), seg, (long) i * dim);
        }
        Quantizer.Codes codes =
            new Quantizer.Codes() {
              @Override
              public MemorySegment segment(int slot) {
                return seg;
              }

              @Override
              public long offset(int slot) {
                return (long) slot * dim;
              }
            };
        SlotScorer scorer = q.scorer(sample.get(r.nextInt(sample.size())), codes);
        for (int count = 0; count <= 9; count++) {
          int[] slots = new int[count];
          for (int k = 0; k < count; k++) {
            slots[k] = r.nextInt(sample.size());
          }
          float[] batch = new float[count];
          scorer.scores(slots, count, batch);
          for (int k = 0; k < count; k++) {
            float alone = scorer.score(slots[k]);
            assertThat(batch[k])
                .as("dim %d, %d in a batch of %d", dim, k, count)
                .isCloseTo(alone, Offset.offset(1e-3f * Math.max(1, Math.abs(alone))));
          }
        }
      }
    }
  }
}
