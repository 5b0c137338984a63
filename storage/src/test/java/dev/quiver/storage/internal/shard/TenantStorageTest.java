package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
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
import dev.quiver.storage.internal.space.VectorSpace;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenant-local storage: with an {@code is_tenant} index, a large tenant's vectors sit in runs of
 * slots of their own however the tenants' writes interleave; searches, a reopen and the reuse of
 * the runs' unfilled slots are unaffected; and a tenant rewritten over and over does not grow the
 * collection (the vacuum's freed slots are used again) while each point keeps a slot of its own.
 */
class TenantStorageTest {
  @TempDir Path dir;

  private static final int DIM = 16;
  private static final int TENANTS = 8;
  private static final int PER_TENANT = 600;
  private static final int N = TENANTS * PER_TENANT;

  /** {@code TenantSlots.BLOCK}: a tenant's first this many vectors take shared slots. */
  private static final int BLOCK = 64;

  private static final String DENSE = CollectionConfig.DEFAULT_VECTOR;

  private static CollectionConfig config() {
    return new CollectionConfig(
        Map.of(DENSE, new VectorParams(DIM, Distance.COSINE, null)),
        1,
        1,
        1,
        true,
        new HnswConfig(16, 100, 0, 0, false),
        // index from the first vector; vacuum once 20% of the graph (and at least 200) is deleted
        new OptimizersConfig(0.2, 200, 0, null, 1, 5, null),
        WalConfig.DEFAULT);
  }

  private static Point point(int id, int tenant, Random r) {
    float[] v = new float[DIM];
    for (int j = 0; j < DIM; j++) {
      v[j] = (float) r.nextGaussian();
    }
    return new Point(
        PointId.of(id), Map.of(DENSE, v), new Value.Struct(Map.of("group", tenant(tenant))));
  }

  private static Value.Str tenant(int t) {
    return new Value.Str("t" + t);
  }

  /** Point {@code i} belongs to tenant {@code i % TENANTS}: every batch mixes all tenants. */
  private static List<Point> interleaved(Random r) {
    return IntStream.range(0, N).mapToObj(i -> point(i, i % TENANTS, r)).toList();
  }

  private static void upsertInBatches(LocalShard shard, List<Point> points, int batch) {
    long op = 1;
    for (int from = 0; from < points.size(); from += batch) {
      shard.apply(
          op++, new UpdateOp.Upsert(points.subList(from, Math.min(points.size(), from + batch))));
    }
  }

  /** For each tenant, how many runs of consecutive slots hold its vectors (empty slots skipped). */
  private static int[] runs(VectorSpace space) {
    int[] runs = new int[TENANTS];
    int previous = -1;
    for (int slot = 0; slot < space.slots(); slot++) {
      PointId id = space.owners.get(slot);
      if (id == null) {
        continue;
      }
      int t = (int) (((PointId.Num) id).value() % TENANTS);
      if (t != previous) {
        runs[t]++;
        previous = t;
      }
    }
    return runs;
  }

  @Test
  void aLargeTenantsVectorsSitInRunsOfTheirOwn() {
    Random r = new Random(TestSeed.of("aLargeTenantsVectorsSitInRunsOfTheirOwn"));
    List<Point> points = interleaved(r);

    // without a tenant index, interleaved writes interleave the tenants' slots
    try (LocalShard plain = new LocalShard(dir.resolve("plain"), config())) {
      plain.payloadIndexes(TenantLinksTest.tenantIndex(false));
      upsertInBatches(plain, points, 96);
      for (int runs : runs(plain.spaces.get(DENSE))) {
        assertThat(runs).isEqualTo(PER_TENANT);
      }
    }

    Path tenantDir = dir.resolve("tenant");
    Map<Integer, List<PointId>> before = new HashMap<>();
    int[] runsBefore;
    float[][] queries = new float[TENANTS][];
    long slots;
    try (LocalShard shard = new LocalShard(tenantDir, config())) {
      shard.payloadIndexes(TenantLinksTest.tenantIndex(true));
      upsertInBatches(shard, points, 96);
      shard.awaitIndexed();
      VectorSpace space = shard.spaces.get(DENSE);
      // the first BLOCK in shared slots, the rest in runs of BLOCK: 64 + 9 runs at most
      int most = BLOCK + (PER_TENANT - BLOCK + BLOCK - 1) / BLOCK;
      int[] runs = runs(space);
      runsBefore = runs;
      for (int t = 0; t < TENANTS; t++) {
        assertThat(runs[t]).as("tenant %d", t).isLessThanOrEqualTo(most);
      }
      // the slack is the unfilled rest of each tenant's last run
      assertThat(space.slots() - N).isBetween(0, TENANTS * BLOCK);
      for (int t = 0; t < TENANTS; t++) {
        queries[t] = points.get(r.nextInt(N)).vectors().get(DENSE);
        before.put(t, assertExact(shard, points, t, queries[t]));
      }
      shard.checkpoint();
      slots = shard.allocatedSlots();
    }

    try (LocalShard reopened = new LocalShard(tenantDir, config())) {
      assertThat(reopened.count()).isEqualTo(N);
      assertThat(runs(reopened.spaces.get(DENSE))).isEqualTo(runsBefore);
      for (int t = 0; t < TENANTS; t++) {
        assertThat(assertExact(reopened, points, t, queries[t])).isEqualTo(before.get(t));
      }
      // the runs' unfilled slots are free slots after a reopen: points of no tenant fill them
      int unfilled = (int) (slots - N);
      List<Point> untenanted = new ArrayList<>();
      for (int i = 0; i < unfilled; i++) {
        untenanted.add(new Point(PointId.of(N + i), Map.of(DENSE, new float[DIM]), null));
      }
      reopened.apply(1000, new UpdateOp.Upsert(untenanted));
      assertThat(reopened.allocatedSlots()).isEqualTo(slots);
      assertThat(reopened.count()).isEqualTo(N + unfilled);
    }
  }

  /**
   * A tenant-filtered exact search for {@code q} returns that tenant's exact top 10 (computed here,
   * in order), and the graph search finds at least 9 in 10 of them; returns the exact ids.
   */
  private static List<PointId> assertExact(
      LocalShard shard, List<Point> points, int tenant, float[] q) {
    List<PointId> truth =
        points.stream()
            .filter(p -> ((PointId.Num) p.id()).value() % TENANTS == tenant)
            .sorted(
                Comparator.comparingDouble(
                        (Point p) -> -VacuumTest.cosine(q, p.vectors().get(DENSE)))
                    .thenComparing(Point::id))
            .limit(10)
            .map(Point::id)
            .toList();
    List<PointId> exact = ids(search(shard, q, tenant, true));
    assertThat(exact).isEqualTo(truth);
    List<PointId> walked = ids(search(shard, q, tenant, false));
    assertThat(walked.stream().filter(truth::contains).count()).isGreaterThanOrEqualTo(9);
    return exact;
  }

  @Test
  void aTenantRewrittenOverAndOverDoesNotGrowTheCollection() {
    Random r = new Random(TestSeed.of("aTenantRewrittenOverAndOverDoesNotGrowTheCollection"));
    int points = 2000;
    List<Point> last = List.of();
    try (LocalShard shard = new LocalShard(dir, config())) {
      shard.payloadIndexes(TenantLinksTest.tenantIndex(true));
      for (int round = 1; round <= 15; round++) {
        List<Point> all = new ArrayList<>();
        for (int i = 0; i < points; i++) {
          all.add(point(i * TENANTS, 0, r)); // one tenant
        }
        last = all;
        shard.apply(round, new UpdateOp.Upsert(all));
        assertEachPointOwnsItsSlot(shard, all);
        shard.awaitIndexed();
        shard.vacuumNow();
        assertEachPointOwnsItsSlot(shard, all);
      }
      assertThat(shard.count()).isEqualTo(points);
      // without reuse 15 rounds would hold 30,000 slots (as for points of no tenant: VacuumTest)
      assertThat(shard.allocatedSlots()).isLessThanOrEqualTo(3L * points);
      assertExact(shard, last, 0, last.get(r.nextInt(points)).vectors().get(DENSE));
    }
  }

  /**
   * Every point's slot is owned by that point, and the space counts as many vectors as points: a
   * slot handed to two points (the background vacuum racing the writer's deletes once retired a
   * slot that was still in the plain graph after leaving the tenant links, and again when it left
   * the graph) fails here.
   */
  private static void assertEachPointOwnsItsSlot(LocalShard shard, List<Point> points) {
    VectorSpace space = shard.spaces.get(DENSE);
    for (Point p : points) {
      int slot = shard.points.get(p.id()).slots().get(DENSE);
      assertThat(space.owners.get(slot))
          .as("owner of %s's slot %d", p.id(), slot)
          .isEqualTo(p.id());
    }
    assertThat(space.live()).isEqualTo(points.size());
  }

  private static List<PointId> ids(List<ScoredPoint> hits) {
    return hits.stream().map(ScoredPoint::id).toList();
  }

  private static List<ScoredPoint> search(
      LocalShard shard, float[] query, int tenant, boolean exact) {
    Filter filter =
        new Filter(
            List.of(new Condition.Match("group", tenant(tenant))), List.of(), List.of(), null);
    return shard.search(
        new SearchRequest(
            DENSE, query, 10, 0, null, WithPayload.NONE, WithVectors.NONE, 64, exact, filter));
  }
}
