package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.storage.internal.hnsw.HnswIndexTest;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vacuum: a collection whose points are rewritten again and again reuses the slots of the
 * vectors it replaced instead of growing, and searches stay exact-enough and survive a restart.
 */
class VacuumTest {
  private static final int DIM = 16;
  private static final int POINTS = 2000;

  @TempDir Path dir;

  private static CollectionConfig config() {
    return new CollectionConfig(
        Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(DIM, Distance.COSINE, null)),
        1,
        1,
        1,
        true,
        new HnswConfig(16, 100, 0, 0, false),
        // index from the first vector; vacuum once 20% of the graph (and at least 200) is deleted
        new OptimizersConfig(0.2, 200, 0, null, 1, 5, null),
        WalConfig.DEFAULT);
  }

  private static List<Point> round(Random r) {
    float[][] data = HnswIndexTest.clustered(r, POINTS, DIM, false);
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < POINTS; i++) {
      points.add(new Point(PointId.of(i), Map.of("", data[i]), Value.Struct.EMPTY));
    }
    return points;
  }

  static float cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return (float) (dot / Math.sqrt(na * nb));
  }

  private static double recall(LocalShard shard, Random r) {
    int hits = 0;
    float[][] queries = HnswIndexTest.clustered(r, 200, DIM, false);
    for (float[] q : queries) {
      var truth =
          shard
              .search(
                  new SearchRequest(
                      "", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, null, true))
              .stream()
              .map(ScoredPoint::id)
              .toList();
      hits += hits(shard, q, truth);
    }
    return hits / 2000.0;
  }

  /** How many of the graph search's top 10 (ef=64) for {@code q} are in {@code truth}. */
  private static int hits(LocalShard shard, float[] q, List<PointId> truth) {
    int hits = 0;
    for (ScoredPoint p :
        shard.search(
            new SearchRequest("", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, 64, false))) {
      if (truth.contains(p.id())) {
        hits++;
      }
    }
    return hits;
  }

  @Test
  void rewrittenPointsReuseTheirSlotsAndSearchesKeepWorking() {
    long seed = TestSeed.of("rewrittenPointsReuseTheirSlotsAndSearchesKeepWorking");
    Random r = new Random(seed);
    List<ScoredPoint> before;
    float[] probe = HnswIndexTest.clustered(r, 1, DIM, false)[0];
    try (LocalShard shard = new LocalShard(dir, config())) {
      for (int i = 1; i <= 15; i++) {
        shard.apply(i, new UpdateOp.Upsert(round(r)));
        shard.awaitIndexed();
        shard.vacuumNow(); // the background indexer does this too; here, deterministically
      }
      assertThat(shard.count()).isEqualTo(POINTS);
      // without reuse 15 rounds would hold 30,000 slots
      System.out.println(
          "slots allocated after 15 rewrites of 2,000 points: " + shard.allocatedSlots());
      assertThat(shard.allocatedSlots()).isLessThanOrEqualTo(3L * POINTS);
      double recall = recall(shard, r);
      System.out.println("recall@10 after churn: " + recall);
      assertThat(recall).isGreaterThanOrEqualTo(0.95);
      before =
          shard.search(
              new SearchRequest(
                  "", probe, 10, 0, null, WithPayload.NONE, WithVectors.NONE, 64, false));
      shard.checkpoint();
    }
    try (LocalShard reopened = new LocalShard(dir, config())) {
      var after =
          reopened.search(
              new SearchRequest(
                  "", probe, 10, 0, null, WithPayload.NONE, WithVectors.NONE, 64, false));
      assertThat(after.stream().map(ScoredPoint::id).toList())
          .isEqualTo(before.stream().map(ScoredPoint::id).toList());
      long slots = reopened.allocatedSlots();
      reopened.apply(100, new UpdateOp.Upsert(round(r)));
      reopened.awaitIndexed();
      // the slots freed before the restart are used again after it
      assertThat(reopened.allocatedSlots()).isLessThanOrEqualTo(slots + POINTS);
      assertThat(recall(reopened, r)).isGreaterThanOrEqualTo(0.95);
    }
  }

  /**
   * Rewrites free the old slots, which new points take at once: a search that scored a slot for one
   * point must not hand back the point that took it meanwhile, nor one its filter rejects. Constant
   * rewrites and deletes of the same ids make that overlap frequent (each id's payload is fixed by
   * its parity).
   */
  private static final int IDS = 2000;

  /** Points whose payload says their id is even. */
  private static final dev.quiver.storage.Filter EVEN =
      new dev.quiver.storage.Filter(
          List.of(new dev.quiver.storage.Condition.Match("even", new Value.Bool(true))),
          List.of(),
          List.of(),
          null);

  /** Lets {@code threads} run for {@code millis}, stops them, and fails with what they threw. */
  private static void runFor(
      long millis,
      List<Thread> threads,
      java.util.concurrent.atomic.AtomicBoolean stop,
      List<Throwable> errors)
      throws InterruptedException {
    Thread.sleep(millis);
    stop.set(true);
    for (Thread t : threads) {
      t.join(30_000);
    }
    errors.forEach(Throwable::printStackTrace);
    assertThat(errors).isEmpty();
  }

  @Test
  void searchesRacingRewritesNeverReturnWhatTheFilterRejects() throws Exception {
    dev.quiver.storage.Filter even = EVEN;
    java.util.concurrent.atomic.AtomicLong op = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong searches = new java.util.concurrent.atomic.AtomicLong();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    // unindexed (threshold 0): every slot is scanned, and a rewrite frees its slot at once
    CollectionConfig c = config();
    CollectionConfig unindexed =
        new CollectionConfig(
            c.vectors(),
            c.shardNumber(),
            c.replicationFactor(),
            c.writeConsistencyFactor(),
            c.onDiskPayload(),
            c.hnsw(),
            new OptimizersConfig(0.2, 200, 0, null, 0, 5, null),
            c.wal(),
            c.shardingMethod());
    try (LocalShard shard = new LocalShard(dir, unindexed)) {
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        long seed = 17 + w;
        boolean deleter = w == 2;
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      Random r = new Random(seed);
                      try {
                        while (!stop.get()) {
                          if (deleter) {
                            List<PointId> ids = new ArrayList<>();
                            for (int k = 0; k < 50; k++) {
                              ids.add(PointId.of(r.nextInt(IDS)));
                            }
                            synchronized (op) {
                              shard.apply(op.incrementAndGet(), new UpdateOp.DeletePoints(ids));
                            }
                            continue;
                          }
                          List<Point> batch = new ArrayList<>();
                          for (float[] v : HnswIndexTest.clustered(r, 100, DIM, false)) {
                            int id = r.nextInt(IDS);
                            batch.add(
                                new Point(
                                    PointId.of(id),
                                    Map.of("", v),
                                    new Value.Struct(Map.of("even", new Value.Bool(id % 2 == 0)))));
                          }
                          synchronized (op) {
                            shard.apply(op.incrementAndGet(), new UpdateOp.Upsert(batch));
                          }
                        }
                      } catch (Throwable t) {
                        errors.add(t);
                      }
                    }));
      }
      for (int q = 0; q < 2; q++) {
        long seed = 31 + q;
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      Random r = new Random(seed);
                      try {
                        while (!stop.get()) {
                          float[] v = HnswIndexTest.clustered(r, 1, DIM, false)[0];
                          var hits =
                              shard.search(
                                  new SearchRequest(
                                      "",
                                      v,
                                      20,
                                      0,
                                      null,
                                      WithPayload.ALL,
                                      WithVectors.ALL,
                                      32,
                                      false,
                                      even));
                          for (ScoredPoint h : hits) {
                            assertThat(h.payload().fields().get("even"))
                                .isEqualTo(new Value.Bool(true));
                            // the score is that of the vector returned with it
                            assertThat(h.score())
                                .isCloseTo(cosine(v, h.vectors().get("")), within(1e-4f));
                          }
                          for (int k = 1; k < hits.size(); k++) {
                            assertThat(hits.get(k).score())
                                .isLessThanOrEqualTo(hits.get(k - 1).score());
                          }
                          searches.incrementAndGet();
                        }
                      } catch (Throwable t) {
                        errors.add(t);
                      }
                    }));
      }
      runFor(2000, threads, stop, errors); // bounded: two seconds of rewrites and searches
    }
    assertThat(searches.get()).isPositive();
    assertThat(op.get()).isPositive();
  }

  @Test
  void writersDeletersSearchersAndTheVacuumTogether() throws Exception {
    long seed = TestSeed.of("writersDeletersSearchersAndTheVacuumTogether");
    Map<PointId, float[]> model = new java.util.HashMap<>();
    java.util.concurrent.atomic.AtomicLong op = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    dev.quiver.storage.Filter even = EVEN;
    try (LocalShard shard = new LocalShard(dir, config())) {
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        int worker = w;
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      Random r = new Random(seed + worker);
                      try {
                        while (!stop.get()) {
                          synchronized (model) { // the model changes in the shard's order
                            if (worker == 2) {
                              List<PointId> ids = new ArrayList<>();
                              for (int k = 0; k < 50; k++) {
                                ids.add(PointId.of(r.nextInt(3000)));
                              }
                              shard.apply(op.incrementAndGet(), new UpdateOp.DeletePoints(ids));
                              ids.forEach(model::remove);
                            } else {
                              List<Point> batch = new ArrayList<>();
                              for (float[] v : HnswIndexTest.clustered(r, 100, DIM, false)) {
                                int id = r.nextInt(3000);
                                batch.add(
                                    new Point(
                                        PointId.of(id),
                                        Map.of("", v),
                                        new Value.Struct(
                                            Map.of("even", new Value.Bool(id % 2 == 0)))));
                              }
                              shard.apply(op.incrementAndGet(), new UpdateOp.Upsert(batch));
                              for (Point p : batch) {
                                model.put(p.id(), p.vectors().get(""));
                              }
                            }
                          }
                        }
                      } catch (Throwable t) {
                        errors.add(t);
                      }
                    }));
      }
      for (int q = 0; q < 2; q++) {
        int searcher = q;
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      Random r = new Random(seed * 31 + searcher);
                      try {
                        while (!stop.get()) {
                          float[] v = HnswIndexTest.clustered(r, 1, DIM, false)[0];
                          var hits =
                              shard.search(
                                  new SearchRequest(
                                      "",
                                      v,
                                      10,
                                      0,
                                      null,
                                      WithPayload.ALL,
                                      WithVectors.NONE,
                                      32,
                                      false,
                                      searcher == 0 ? null : even));
                          assertThat(hits.size()).isLessThanOrEqualTo(10);
                          assertThat(hits.stream().map(ScoredPoint::id).distinct().count())
                              .isEqualTo(hits.size());
                          for (int k = 1; k < hits.size(); k++) {
                            assertThat(hits.get(k).score())
                                .isLessThanOrEqualTo(hits.get(k - 1).score());
                          }
                          if (searcher == 1) {
                            hits.forEach(
                                h ->
                                    assertThat(h.payload().fields().get("even"))
                                        .isEqualTo(new Value.Bool(true)));
                          }
                          shard.scroll(even, null, 20, WithPayload.NONE, WithVectors.NONE);
                        }
                      } catch (Throwable t) {
                        errors.add(t);
                      }
                    }));
      }
      runFor(3000, threads, stop, errors); // bounded: three seconds of everything at once
      shard.awaitIndexed();
      shard.vacuumNow();
      assertThat(shard.count()).isEqualTo(model.size());
      System.out.println(
          op.get()
              + " operations; "
              + model.size()
              + " points in "
              + shard.allocatedSlots()
              + " slots");
      Random r = new Random(seed);
      int hits = 0;
      for (float[] q : HnswIndexTest.clustered(r, 30, DIM, false)) {
        float[] nq = Distance.COSINE.prepare(q);
        var truth =
            model.entrySet().stream()
                .sorted(
                    java.util.Comparator.comparingDouble(
                        (Map.Entry<PointId, float[]> e) ->
                            -Distance.COSINE.similarity(nq, Distance.COSINE.prepare(e.getValue()))))
                .limit(10)
                .map(Map.Entry::getKey)
                .toList();
        hits += hits(shard, q, truth);
      }
      System.out.println("recall@10 against the model: " + hits / 300.0);
      assertThat(hits / 300.0).isGreaterThanOrEqualTo(0.95);
    }
  }
}
