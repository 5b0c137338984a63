package dev.quiver.storage.internal.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.PointId;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.internal.space.SparseSpace;
import dev.quiver.storage.internal.vector.TopK;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inverted index against brute force: random vectors (skewed dimensions, negative weights,
 * deletions), random queries, limits, thresholds and filters; each seed can be replayed.
 */
class SparseIndexTest {

  private static SparseVector random(
      SplittableRandom r, int dims, int maxLength, boolean negative) {
    int n = 1 + r.nextInt(maxLength);
    int[] idx = new int[n];
    float[] val = new float[n];
    for (int i = 0; i < n; i++) {
      // skewed: low dimensions are common, as frequent terms are
      idx[i] = (int) Math.min(dims - 1, Math.abs(r.nextGaussian()) * dims / 4);
      val[i] = (float) (negative && r.nextInt(5) == 0 ? -r.nextDouble() : r.nextDouble() * 3);
    }
    // duplicates merged: the index takes valid vectors only
    java.util.TreeMap<Integer, Float> m = new java.util.TreeMap<>();
    for (int i = 0; i < n; i++) {
      m.put(idx[i], val[i]);
    }
    return SparseVector.of(
        m.keySet().stream().mapToInt(Integer::intValue).toArray(), toArray(m.values()));
  }

  private static float[] toArray(java.util.Collection<Float> values) {
    float[] out = new float[values.size()];
    int i = 0;
    for (float f : values) {
      out[i++] = f;
    }
    return out;
  }

  private record Ref(int slot, float score) {}

  private static List<Ref> bruteForce(
      SparseSpace space, SparseVector q, int k, Float threshold, IntPredicate accept) {
    List<Ref> all = new ArrayList<>();
    SparseVector mq = space.modified(q);
    for (int slot = 0; slot < space.slots(); slot++) {
      SparseVector v = space.vectors.get(slot);
      if (v == null || !accept.test(slot)) {
        continue;
      }
      float s = mq.dot(v);
      if (!Float.isNaN(s) && (threshold == null || s >= threshold)) {
        all.add(new Ref(slot, s));
      }
    }
    all.sort(Comparator.comparing((Ref x) -> -x.score()).thenComparing(Ref::slot));
    return all.subList(0, Math.min(k, all.size()));
  }

  @TempDir Path dir;

  /**
   * Rounds alternate between an index on the heap and one on disk, which seals its lists into
   * compressed files every few hundred to few thousand entries, so that searches read sealed and
   * heap lists of one dimension together, and deleted vectors sealed away.
   */
  @Test
  void searchFindsTheExactTopKOfABruteForceScan() {
    long seed = TestSeed.of("searchFindsTheExactTopKOfABruteForceScan");
    SplittableRandom r = new SplittableRandom(seed);
    for (int round = 0; round < 40; round++) {
      boolean idf = r.nextBoolean();
      boolean onDisk = round % 2 == 1;
      SparseSpace space =
          new SparseSpace(
              new dev.quiver.storage.SparseVectorParams(
                  null,
                  onDisk,
                  idf
                      ? dev.quiver.storage.SparseVectorParams.Modifier.IDF
                      : dev.quiver.storage.SparseVectorParams.Modifier.NONE),
              dir.resolve("round-" + round),
              200 + r.nextInt(5000));
      int dims = 20 + r.nextInt(400);
      // several windows of slots in some rounds: lists probed in one window are read in the next
      int n = round % 4 == 0 ? 5_000 + r.nextInt(15_000) : 50 + r.nextInt(1500);
      boolean negative = r.nextBoolean();
      for (int i = 0; i < n; i++) {
        space.add(dev.quiver.storage.PointId.of(i), random(r, dims, 30, negative));
        if (r.nextInt(6) == 0) {
          space.remove(r.nextInt(space.slots()));
        }
      }
      assertThat(space.index.onDisk()).isEqualTo(onDisk);
      if (onDisk && (r.nextBoolean() || space.index.sealedBytes() == 0)) {
        space.index.seal(); // all sealed, the heap lists empty
      }
      if (onDisk) {
        assertThat(space.index.sealedBytes()).isPositive();
      }
      for (int qn = 0; qn < 20; qn++) {
        SparseVector q = random(r, dims, 12, negative);
        int k = 1 + r.nextInt(r.nextBoolean() ? 10 : 300);
        Float threshold = r.nextInt(4) == 0 ? (float) r.nextDouble() * 4 : null;
        int mod = 1 + r.nextInt(3);
        IntPredicate accept =
            slot -> space.owners.get(slot) != null && (mod == 1 || slot % mod != 0);
        List<Ref> want = bruteForce(space, q, k, threshold, accept);
        String context = "seed " + seed + " round " + round + " query " + qn;
        assertSameTopK(space.search(q, k, threshold, accept), want, context);
        // and the plain scan of every slot agrees too
        List<TopK.Hit> scanned = space.scan(q, k, threshold, space.allSlots(), accept);
        assertThat(scanned).as(context).hasSameSizeAs(want);
        for (int i = 0; i < scanned.size(); i++) {
          assertThat(scanned.get(i).score())
              .isCloseTo(want.get(i).score(), org.assertj.core.data.Offset.offset(1e-4f));
        }
      }
    }
  }

  /**
   * Text-like vectors (forty of a few hundred dimensions, Zipf-distributed, positive weights) and
   * long queries: the windows' candidates are then dense, found by comparing the whole window with
   * the bound, and the lists that are not essential are read whole; both ways stay exact.
   */
  @Test
  void longQueriesOverATextLikeCorpusStayExact() {
    long seed = TestSeed.of("longQueriesOverATextLikeCorpusStayExact");
    SplittableRandom r = new SplittableRandom(seed);
    for (boolean onDisk : new boolean[] {false, true}) {
      SparseSpace space =
          new SparseSpace(
              new SparseVectorParams(null, onDisk, SparseVectorParams.Modifier.IDF),
              dir.resolve("text-" + onDisk),
              20_000);
      int dims = 300;
      for (int i = 0; i < 14_000; i++) {
        space.add(PointId.of(i), zipf(r, dims, 40));
        if (r.nextInt(10) == 0) {
          space.remove(r.nextInt(space.slots()));
        }
      }
      for (int qn = 0; qn < 30; qn++) {
        SparseVector q = zipf(r, dims, 30);
        int k = new int[] {1, 10, 20, 100}[r.nextInt(4)];
        Float threshold = r.nextInt(5) == 0 ? 5 + (float) r.nextDouble() * 20 : null;
        IntPredicate accept =
            r.nextBoolean()
                ? slot -> space.owners.get(slot) != null
                : slot -> space.owners.get(slot) != null && slot % 3 != 0;
        assertSameTopK(
            space.search(q, k, threshold, accept),
            bruteForce(space, q, k, threshold, accept),
            "seed " + seed + " on disk " + onDisk + " query " + qn);
      }
      assertThat(space.index.denseWindows.sum()).as("windows scored whole").isPositive();
      assertThat(space.index.readWhole.sum()).as("lists read whole").isPositive();
    }
  }

  /** A vector of about {@code length} dimensions drawn by a Zipf law, with BM25-like weights. */
  private static SparseVector zipf(SplittableRandom r, int dims, int length) {
    java.util.TreeMap<Integer, Float> m = new java.util.TreeMap<>();
    for (int i = 0; i < length; i++) {
      int d = (int) Math.min(dims - 1, Math.floor(Math.pow(dims + 1.0, r.nextDouble()) - 1));
      m.put(d, (float) (0.3 + r.nextDouble() * 1.9));
    }
    return SparseVector.of(
        m.keySet().stream().mapToInt(Integer::intValue).toArray(), toArray(m.values()));
  }

  private static void assertSameTopK(List<TopK.Hit> got, List<Ref> want, String context) {
    assertThat(got).as(context).hasSameSizeAs(want);
    for (int i = 0; i < got.size(); i++) {
      // ties may come in another order; the scores at each rank may not differ
      assertThat(got.get(i).score())
          .as(context + " rank " + i)
          .isCloseTo(want.get(i).score(), org.assertj.core.data.Offset.offset(1e-4f));
    }
  }

  @Test
  void pruningReadsFewerPostingsThanTheListsHold() {
    for (boolean onDisk : new boolean[] {false, true}) {
      long[] readAndHeld = readsOnASkewedCorpus(onDisk);
      assertThat(readAndHeld[0])
          .as("postings read, on disk: " + onDisk)
          .isLessThan(readAndHeld[1] / 4);
    }
  }

  private long[] readsOnASkewedCorpus(boolean onDisk) {
    SparseSpace space =
        new SparseSpace(
            new dev.quiver.storage.SparseVectorParams(null, onDisk, null),
            dir.resolve("skewed-" + onDisk));
    SplittableRandom r = new SplittableRandom(7);
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      // dimension 0 is in every vector with a small weight; 1..999 are rare with large ones
      int rare = 1 + r.nextInt(999);
      space.add(
          dev.quiver.storage.PointId.of(i),
          SparseVector.of(new int[] {0, rare}, new float[] {0.01f, 1 + (float) r.nextDouble()}));
    }
    SparseVector q = SparseVector.of(new int[] {0, 5, 17}, new float[] {1, 1, 1});
    long before = space.index.read.sum();
    List<TopK.Hit> hits = space.search(q, 10, null, slot -> true);
    long read = space.index.read.sum() - before;
    long held =
        space.index.documentFrequency(0)
            + space.index.documentFrequency(5)
            + space.index.documentFrequency(17);
    assertThat(hits).hasSize(10);
    if (onDisk) {
      space.index.seal();
      assertThat(space.index.sealedBytes()).isPositive();
      assertThat(space.search(q, 10, null, slot -> true)).isEqualTo(hits);
    }
    return new long[] {read, held};
  }

  @Test
  void vectorsAreValidatedAsQdrantValidatesThem() {
    assertThatThrownBy(() -> SparseVector.of(new int[] {1, 2}, new float[] {1}))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessage("values: must be the same length as indices");
    assertThatThrownBy(() -> SparseVector.of(new int[] {3, 1, 3}, new float[] {1, 2, 3}))
        .hasMessage("indices: must be unique");
    SparseVector v = SparseVector.of(new int[] {9, -1, 2}, new float[] {1, 2, 3});
    assertThat(v.indices()).containsExactly(2, 9, -1); // -1 is 4294967295, the largest u32
    assertThat(v.values()).containsExactly(3, 1, 2);
    assertThat(v.dot(SparseVector.of(new int[] {5}, new float[] {1}))).isNaN();
    assertThat(v.dot(SparseVector.of(new int[] {9, -1}, new float[] {2, 1}))).isEqualTo(4);
  }

  @Test
  void memoryPlacementOverridesOnDiskAndMovesTheIndex() {
    SparseVectorParams pinnedOverDisk =
        new SparseVectorParams(null, true, null, SparseVectorParams.Memory.PINNED);
    SparseSpace space = new SparseSpace(pinnedOverDisk, dir.resolve("placed"), 64);
    assertThat(space.index.onDisk()).as("pinned wins over on_disk").isFalse();
    Random r = new Random(TestSeed.of("memoryPlacement"));
    for (int i = 0; i < 300; i++) {
      space.add(
          PointId.of(i),
          SparseVector.of(new int[] {r.nextInt(20), 20 + r.nextInt(20)}, new float[] {1, 2}));
    }
    SparseVector q = SparseVector.of(new int[] {3, 25}, new float[] {1, 1});
    var onHeap = space.search(q, 10, null, slot -> true);
    for (SparseVectorParams.Memory m : SparseVectorParams.Memory.values()) {
      space.params(new SparseVectorParams(null, null, null, m));
      assertThat(space.index.onDisk())
          .as(m.name())
          .isEqualTo(m != SparseVectorParams.Memory.PINNED);
      assertThat(space.search(q, 10, null, slot -> true)).as(m.name()).isEqualTo(onHeap);
    }
    assertThat(new SparseVectorParams(null, true, null).indexOnDisk()).isTrue();
    assertThat(new SparseVectorParams(null, null, null, SparseVectorParams.Memory.CACHED).preload())
        .isTrue();
  }

  @Test
  void theIdfModifierUsesQdrantsFormula() {
    SparseSpace space =
        new SparseSpace(
            new dev.quiver.storage.SparseVectorParams(
                null, null, dev.quiver.storage.SparseVectorParams.Modifier.IDF),
            null);
    for (int i = 0; i < 10; i++) {
      space.add(
          dev.quiver.storage.PointId.of(i),
          SparseVector.of(i < 3 ? new int[] {1, 2} : new int[] {2}, new float[i < 3 ? 2 : 1]));
    }
    SparseVector m = space.modified(SparseVector.of(new int[] {1, 2}, new float[] {1, 1}));
    assertThat(m.values()[0])
        .isCloseTo(
            (float) Math.log((10 - 3 + 0.5) / (3 + 0.5) + 1),
            org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(m.values()[1])
        .isCloseTo(
            (float) Math.log((10 - 10 + 0.5) / (10 + 0.5) + 1),
            org.assertj.core.data.Offset.offset(1e-6f));
  }
}
