package dev.quiver.storage.internal.sparse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.PointId;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.VectorDatatype;
import dev.quiver.storage.internal.space.SparseSpace;
import dev.quiver.storage.internal.vector.TopK;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sparse index weights stored as float16 (2 bytes) and uint8 (1 byte, each list's range in 256
 * steps): the sealed file's size per entry, and searches that rank by the stored weights exactly.
 */
class SparseDatatypeTest {
  @TempDir Path dir;

  private static SparseVectorParams params(boolean onDisk, VectorDatatype type) {
    return new SparseVectorParams(null, onDisk, null, null, type);
  }

  private static SparseVector random(SplittableRandom r, int dims) {
    TreeMap<Integer, Float> m = new TreeMap<>();
    int n = 1 + r.nextInt(20);
    for (int i = 0; i < n; i++) {
      m.put(
          (int) Math.min(dims - 1, Math.abs(r.nextGaussian()) * dims / 4),
          (float) (r.nextInt(6) == 0 ? -r.nextDouble() : r.nextDouble() * 3));
    }
    float[] values = new float[m.size()];
    int i = 0;
    for (float v : m.values()) {
      values[i++] = v;
    }
    return SparseVector.of(m.keySet().stream().mapToInt(Integer::intValue).toArray(), values);
  }

  private SparseSpace filled(String name, VectorDatatype type, long seed) {
    SparseSpace space = new SparseSpace(params(true, type), dir.resolve(name), 1 << 30);
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < 3000; i++) {
      space.add(PointId.of(i), random(r, 300));
      if (r.nextInt(5) == 0) {
        space.remove(r.nextInt(space.slots()));
      }
    }
    space.index.seal();
    return space;
  }

  @Test
  void narrowWeightsTakeTwoAndOneBytesAnEntry() {
    long seed = TestSeed.of("SparseDatatypeTest.bytes");
    SparseSpace f32 = filled("f32", VectorDatatype.FLOAT32, seed);
    SparseSpace f16 = filled("f16", VectorDatatype.FLOAT16, seed);
    SparseSpace u8 = filled("u8", VectorDatatype.UINT8, seed);
    long entries = f32.index.entries();
    assertThat(entries).isPositive().isEqualTo(f16.index.entries()).isEqualTo(u8.index.entries());
    // the same slots, gaps, block indexes and directory: only the weights' width differs
    assertThat(f32.index.sealedBytes() - f16.index.sealedBytes()).isEqualTo(2 * entries);
    assertThat(f32.index.sealedBytes() - u8.index.sealedBytes()).isEqualTo(3 * entries);
  }

  /** The weight each entry reads back as: float16 rounding, or the list's 256 steps. */
  private static Map<Integer, float[]> uint8Ranges(SparseSpace space) {
    Map<Integer, float[]> ranges = new HashMap<>(); // dimension -> {min, max}
    for (int slot = 0; slot < space.slots(); slot++) {
      SparseVector v = space.vectors.get(slot);
      if (v == null) {
        continue;
      }
      for (int i = 0; i < v.size(); i++) {
        float w = v.values()[i];
        ranges.merge(
            v.indices()[i],
            new float[] {w, w},
            (a, b) -> new float[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
      }
    }
    return ranges;
  }

  private static float stored(VectorDatatype type, Map<Integer, float[]> ranges, int d, float w) {
    if (type == VectorDatatype.FLOAT16) {
      return Float.float16ToFloat(Float.floatToFloat16(w));
    }
    float[] range = ranges.get(d);
    float step = (range[1] - range[0]) / 255;
    int code = step == 0 ? 0 : Math.clamp(Math.round((w - range[0]) / step), 0, 255);
    return range[0] + code * step;
  }

  @Test
  void searchesRankByTheStoredWeights() {
    long seed = TestSeed.of("SparseDatatypeTest.search");
    for (VectorDatatype type :
        new VectorDatatype[] {VectorDatatype.FLOAT16, VectorDatatype.UINT8}) {
      SparseSpace space = filled(type.wireName(), type, seed);
      Map<Integer, float[]> ranges = uint8Ranges(space);
      SplittableRandom r = new SplittableRandom(seed + 1);
      int differ = 0;
      for (int qn = 0; qn < 40; qn++) {
        SparseVector q = random(r, 300);
        List<float[]> want = new ArrayList<>(); // {slot, score}
        for (int slot = 0; slot < space.slots(); slot++) {
          SparseVector v = space.vectors.get(slot);
          if (v == null) {
            continue;
          }
          float s = 0;
          boolean shared = false;
          for (int i = 0; i < q.size(); i++) {
            int at = Arrays.binarySearch(v.indices(), q.indices()[i]);
            if (at >= 0) {
              shared = true;
              s += q.values()[i] * stored(type, ranges, q.indices()[i], v.values()[at]);
            }
          }
          if (shared) {
            want.add(new float[] {slot, s});
          }
        }
        want.sort(Comparator.comparing((float[] x) -> -x[1]));
        List<TopK.Hit> got = space.search(q, 10, null, slot -> space.owners.get(slot) != null);
        assertThat(got).hasSize(Math.min(10, want.size()));
        for (int i = 0; i < got.size(); i++) {
          assertThat(got.get(i).score())
              .as(type + " query " + qn + " rank " + i)
              .isCloseTo(want.get(i)[1], Offset.offset(1e-4f));
        }
        List<TopK.Hit> exact =
            space.scan(q, 10, null, space.allSlots(), slot -> space.owners.get(slot) != null);
        if (!exact.isEmpty() && exact.getFirst().score() != got.getFirst().score()) {
          differ++;
        }
      }
      // the stored weights are not the float32 ones: the scores show it
      assertThat(differ).as(type.wireName()).isPositive();
    }
  }

  @Test
  void anIndexInMemoryWithNarrowWeightsSealsThemAndKeepsThemLoaded() {
    SparseSpace space =
        new SparseSpace(params(false, VectorDatatype.UINT8), dir.resolve("mem"), 64);
    assertThat(space.index.onDisk()).as("sealed: the heap lists are float32").isTrue();
    space.params(params(false, VectorDatatype.FLOAT32));
    assertThat(space.index.onDisk()).isFalse();
    space.params(params(false, VectorDatatype.FLOAT16));
    assertThat(space.index.onDisk()).isTrue();
  }
}
