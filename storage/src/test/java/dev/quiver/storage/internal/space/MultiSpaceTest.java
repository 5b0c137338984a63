package dev.quiver.storage.internal.space;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PointId;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.internal.vector.TopK;
import dev.quiver.storage.internal.vector.VectorMath;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HNSW graph over multivectors: a walk finds what the exact MaxSim scan finds while scoring a
 * fraction of the points, deleted points leave it through the vacuum, and {@code m = 0} builds
 * none.
 */
class MultiSpaceTest {
  @TempDir Path dir;

  private static final int DIM = 16;
  private static final int CLUSTERS = 400;
  private static final VectorParams PARAMS =
      new VectorParams(DIM, Distance.COSINE, null, null, true);
  private static final OptimizersConfig OPTIMIZERS =
      new OptimizersConfig(0.2, 100, 0, null, 1, 5, null);

  private static float[] unit(float[] v) {
    VectorMath.normalize(v);
    return v;
  }

  /** Rows near a few of the cluster centres, as token embeddings of one text cluster. */
  private static float[][] rows(Random r, float[][] centres, int count) {
    float[][] out = new float[count][];
    int topic = r.nextInt(CLUSTERS - 3);
    for (int i = 0; i < count; i++) {
      float[] c = centres[topic + r.nextInt(3)];
      float[] v = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        v[d] = c[d] + (float) r.nextGaussian() * 0.2f;
      }
      out[i] = unit(v);
    }
    return out;
  }

  private static float[][] centres(Random r) {
    float[][] c = new float[CLUSTERS][DIM];
    for (float[] v : c) {
      for (int d = 0; d < DIM; d++) {
        v[d] = (float) r.nextGaussian();
      }
      unit(v);
    }
    return c;
  }

  private MultiSpace space(int m) {
    return new MultiSpace(
        PARAMS,
        new HnswConfig(m, 64, 0, 0, false),
        OPTIMIZERS,
        dir.resolve("g"),
        new IndexThreads());
  }

  private static Set<Integer> slots(List<TopK.Hit> hits) {
    Set<Integer> out = new HashSet<>();
    hits.forEach(h -> out.add(h.slot()));
    return out;
  }

  /** recall@10 of graph walks against exact scans; {@code walked} adds the walks' scorings. */
  private static double recall(MultiSpace space, float[][][] queries, AtomicLong walked) {
    int found = 0;
    for (float[][] q : queries) {
      Set<Integer> truth =
          slots(space.scan(q, 10, null, space.allSlots(), s -> space.owners.get(s) != null));
      long before = space.scored();
      List<TopK.Hit> got = space.search(q, 64, 10, null, s -> space.owners.get(s) != null, false);
      walked.addAndGet(space.scored() - before);
      assertThat(got).hasSize(10);
      for (TopK.Hit h : got) {
        assertThat(space.owners.get(h.slot())).as("a deleted point is never found").isNotNull();
        if (truth.contains(h.slot())) {
          found++;
        }
      }
    }
    return found / (10.0 * queries.length);
  }

  @Test
  void aWalkFindsWhatTheScanFindsScoringAFraction() throws Exception {
    Random r = new Random(TestSeed.of("MultiSpaceTest.walk"));
    float[][] centres = centres(r);
    int n = 5000;
    float[][][] queries = new float[30][][];
    for (int i = 0; i < queries.length; i++) {
      queries[i] = rows(r, centres, 3);
    }
    try (MultiSpace space = space(16)) {
      for (int i = 0; i < n; i++) {
        space.add(PointId.of(i), space.rows(rows(r, centres, 2 + r.nextInt(5))));
      }
      space.drainIndex();
      assertThat(space.pendingCount()).isZero();
      assertThat(space.graphServes(n)).isTrue();
      AtomicLong walked = new AtomicLong();
      double recall = recall(space, queries, walked);
      assertThat(recall).isGreaterThanOrEqualTo(0.95);
      // each walk scores far fewer points than the scan's 5,000
      assertThat(walked.get() / queries.length).isLessThan(n / 3);

      // delete 40% with the vacuum held off (it would start half-way, and the deletes after its
      // start would stay below its threshold): the walks step through their nodes but never
      // return them
      HnswConfig hnsw = new HnswConfig(16, 64, 0, 0, false);
      space.configure(hnsw, new OptimizersConfig(0.2, Integer.MAX_VALUE, 0, null, 1, 5, null));
      for (int slot = 0; slot < n; slot += 5) {
        space.remove(slot);
        space.remove(slot + 1);
      }
      assertThat(space.tombstones()).isEqualTo(2 * n / 5);
      assertThat(recall(space, queries, new AtomicLong())).isGreaterThanOrEqualTo(0.95);
      // back to the usual settings, the vacuum (due: 2,000 deleted of 5,000, over 20% and over
      // 100) takes the nodes out
      space.configure(hnsw, OPTIMIZERS);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (space.tombstones() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(space.tombstones()).isZero();
      assertThat(recall(space, queries, new AtomicLong())).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void mZeroBuildsNoGraphAndSearchesScan() {
    Random r = new Random(TestSeed.of("MultiSpaceTest.m0"));
    float[][] centres = centres(r);
    try (MultiSpace space = space(0)) {
      for (int i = 0; i < 500; i++) {
        space.add(PointId.of(i), space.rows(rows(r, centres, 3)));
      }
      space.drainIndex();
      assertThat(space.pendingCount()).isEqualTo(500);
      assertThat(space.indexBacklog()).isZero(); // nothing to build: not optimizing
      assertThat(space.graphServes(500)).isFalse();
    }
  }
}
