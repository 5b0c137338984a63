package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointSelector;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Payload-aware links ({@code payload_m}) for a tenant field: a search for one tenant walks that
 * tenant's links (not a scan of its points), returns only its points, and finds what an exact
 * search finds, through tenant changes, deletions and a vacuum, an index made after the points,
 * several values in one payload, {@code m: 0}, and a reopen.
 */
class TenantLinksTest {
  @TempDir Path dir;

  private static final int DIM = 16;
  private static final int TENANTS = 12;
  private static final int N = 6000;

  private static final String DENSE = CollectionConfig.DEFAULT_VECTOR;

  private static CollectionConfig config(int m, Integer payloadM) {
    return new CollectionConfig(
        Map.of(DENSE, new VectorParams(DIM, Distance.COSINE, null)),
        1,
        1,
        1,
        true,
        // full_scan_threshold 0: a tenant of more than a handful of points is walked, not scanned
        new HnswConfig(m, 100, 0, 0, false, payloadM),
        new OptimizersConfig(0.2, 10, 0, null, 1, 5, null),
        WalConfig.DEFAULT);
  }

  /** A keyword index on {@code group}, marked {@code is_tenant} when {@code tenant}. */
  static TreeMap<String, PayloadIndexSpec> tenantIndex(boolean tenant) {
    TreeMap<String, PayloadIndexSpec> specs = new TreeMap<>();
    specs.put(
        "group",
        new PayloadIndexSpec(
            "keyword",
            tenant ? new Value.Struct(Map.of("is_tenant", new Value.Bool(true))) : null));
    return specs;
  }

  private static List<Point> points(Random r) {
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      float[] v = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) r.nextGaussian();
      }
      out.add(
          new Point(
              PointId.of(i),
              Map.of(DENSE, v),
              new Value.Struct(Map.of("group", new Value.Str("t" + (i % TENANTS))))));
    }
    return out;
  }

  @Test
  void aTenantsSearchWalksItsLinksAndFindsWhatAnExactSearchFinds() {
    Random r = new Random(TestSeed.of("aTenantsSearchWalksItsLinksAndFindsWhatAnExactSearchFinds"));
    List<Point> points = points(r);
    try (LocalShard shard = new LocalShard(dir, config(16, 8))) {
      shard.payloadIndexes(tenantIndex(true));
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();
      VectorSpace space = shard.spaces.get(DENSE);
      assertThat(space.staleTenantSlots("group")).isZero();
      assertRecall(shard, r, points, "t3", 0.95);
      assertThat(space.tenantWalks()).as("walked, not scanned").isPositive();

      // 200 points of t3 move to t4: t4's searches find them, t3's no longer do
      List<PointId> moved =
          IntStream.range(0, 200).mapToObj(i -> PointId.of(3 + i * TENANTS)).toList();
      shard.apply(
          2,
          new UpdateOp.SetPayload(
              new PointSelector.Ids(moved),
              new Value.Struct(Map.of("group", new Value.Str("t4"))),
              null));
      // until linked again (the background indexer may be at it), the moved ones are scored
      // directly
      assertRecall(shard, r, points, "t4", 0.95);
      shard.awaitIndexed();
      assertThat(space.staleTenantSlots("group")).isZero();
      assertRecall(shard, r, points, "t4", 0.95);
      assertRecall(shard, r, points, "t3", 0.95);

      // a third of t5 deleted and vacuumed out of the links
      List<PointId> gone =
          IntStream.range(0, N)
              .filter(i -> i % TENANTS == 5 && i % 3 == 0)
              .mapToObj(PointId::of)
              .toList();
      shard.apply(3, new UpdateOp.DeletePoints(gone));
      shard.vacuumNow();
      assertRecall(shard, r, points, "t5", 0.95);

      // several values in one payload: found by either tenant's search
      float[] probe = points.get(7).vectors().get(DENSE);
      shard.apply(
          4,
          new UpdateOp.Upsert(
              List.of(
                  new Point(
                      PointId.of(N + 1),
                      Map.of(DENSE, probe),
                      new Value.Struct(
                          Map.of(
                              "group",
                              new Value.Array(
                                  List.of(new Value.Str("t0"), new Value.Str("t1")))))))));
      shard.awaitIndexed();
      for (String t : List.of("t0", "t1")) {
        assertThat(search(shard, probe, t, false).stream().map(ScoredPoint::id))
            .as(t)
            .contains(PointId.of(N + 1));
      }
    }
    // reopened: the links come back from the checkpoint, nothing to link again
    try (LocalShard shard = new LocalShard(dir, config(16, 8))) {
      shard.payloadIndexes(tenantIndex(true));
      VectorSpace space = shard.spaces.get(DENSE);
      assertThat(space.staleTenantSlots("group")).isZero();
      assertRecall(shard, r, points, "t4", 0.95);
      assertRecall(shard, r, points, "t6", 0.95);
      assertThat(space.tenantWalks()).isPositive();
    }
  }

  @Test
  void linksMadeAfterThePointsAndWithoutAMainGraph() {
    Random r = new Random(TestSeed.of("linksMadeAfterThePointsAndWithoutAMainGraph"));
    List<Point> points = points(r);
    // m 0, payload_m 16: Qdrant's recipe for tenants only — no graph over the whole collection
    try (LocalShard shard = new LocalShard(dir, config(0, 16))) {
      shard.payloadIndexes(tenantIndex(false));
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();
      VectorSpace space = shard.spaces.get(DENSE);
      assertThat(space.staleTenantSlots("group")).isEqualTo(-1);
      assertThat(space.graphServes()).isFalse();

      shard.payloadIndexes(tenantIndex(true)); // the index marked is_tenant after the points
      assertRecall(shard, r, points, "t2", 0.95); // meanwhile the ones not linked are scored
      shard.awaitIndexed();
      assertThat(space.staleTenantSlots("group")).isZero();
      long before = space.tenantWalks();
      assertRecall(shard, r, points, "t9", 0.95);
      assertThat(space.tenantWalks()).isGreaterThan(before);
      assertThat(space.graphServes()).isFalse();

      // an unfiltered search scans: there is no graph to walk
      float[] q = points.get(11).vectors().get(DENSE);
      assertThat(search(shard, q, null, false)).isEqualTo(search(shard, q, null, true));

      shard.payloadIndexes(tenantIndex(false)); // no longer a tenant field: the links go
      assertThat(space.staleTenantSlots("group")).isEqualTo(-1);
      assertRecall(shard, r, points, "t9", 0.999);
    }
  }

  /**
   * Without a main graph the tenant links hold every slot: a point moved to another tenant and
   * deleted before its links are made again must still give its slot back, or the space grows by
   * every such point until a restart.
   */
  @Test
  void withoutAMainGraphAPointMovedAndDeletedGivesItsSlotBack() {
    Random r = new Random(TestSeed.of("withoutAMainGraphAPointMovedAndDeletedGivesItsSlotBack"));
    List<Point> points = points(r);
    try (LocalShard shard = new LocalShard(dir, config(0, 16))) {
      shard.payloadIndexes(tenantIndex(true));
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();
      long slots = shard.allocatedSlots();
      long op = 2;
      for (int round = 0; round < 4; round++) {
        // 500 points move to another tenant and are deleted at once, then come back
        int shift = round;
        List<PointId> moved =
            IntStream.range(0, 500).mapToObj(i -> PointId.of(i * 12L + shift)).toList();
        shard.apply(
            op++,
            new UpdateOp.SetPayload(
                new PointSelector.Ids(moved),
                new Value.Struct(Map.of("group", new Value.Str("elsewhere"))),
                null));
        shard.apply(op++, new UpdateOp.DeletePoints(moved));
        shard.awaitIndexed();
        shard.vacuumNow();
        shard.apply(
            op++,
            new UpdateOp.Upsert(
                moved.stream().map(id -> points.get((int) ((PointId.Num) id).value())).toList()));
        shard.awaitIndexed();
      }
      assertThat(shard.count()).isEqualTo(N);
      // each round's 500 slots are freed and taken again; leaked, four rounds would add 2,000
      assertThat(shard.allocatedSlots()).isLessThanOrEqualTo(slots + 500);
      assertRecall(shard, r, points, "t3", 0.95);
    }
  }

  @Test
  void tenantsChangedAfterTheCheckpointAreLinkedAgainAfterACrash() {
    Random r = new Random(TestSeed.of("tenantsChangedAfterTheCheckpointAreLinkedAgainAfterACrash"));
    List<Point> points = points(r);
    LocalShard crashed = new LocalShard(dir, config(16, null)); // never closed: its log replays
    crashed.payloadIndexes(tenantIndex(true));
    crashed.apply(1, new UpdateOp.Upsert(points));
    crashed.awaitIndexed();
    crashed.checkpoint(); // the tenant links of this moment
    List<PointId> moved =
        IntStream.range(0, 100).mapToObj(i -> PointId.of(2 + i * TENANTS)).toList();
    crashed.apply(
        2,
        new UpdateOp.SetPayload(
            new PointSelector.Ids(moved),
            new Value.Struct(Map.of("group", new Value.Str("t7"))),
            null));
    try (LocalShard shard = new LocalShard(dir, config(16, null))) {
      shard.payloadIndexes(tenantIndex(true));
      for (PointId id : moved) {
        float[] own = points.get((int) ((PointId.Num) id).value()).vectors().get(DENSE);
        assertThat(search(shard, own, "t7", false).getFirst().id())
            .as("%s in t7", id)
            .isEqualTo(id);
        assertThat(search(shard, own, "t2", false).stream().map(ScoredPoint::id))
            .as("%s no longer in t2", id)
            .doesNotContain(id);
      }
      shard.awaitIndexed();
      assertThat(shard.spaces.get(DENSE).staleTenantSlots("group")).isZero();
      assertRecall(shard, r, points, "t7", 0.95);
      assertRecall(shard, r, points, "t2", 0.95);
    }
  }

  /**
   * Tenants changing, points deleted and rewritten, vacuums and relinks in the background, while
   * searches run: every search answers, with the tenant's points only, and once the writes stop and
   * the links settle, recall is as before.
   */
  @Test
  void searchesRunWhileTenantsChangeAndTheLinksAreRebuilt() throws Exception {
    Random r = new Random(TestSeed.of("searchesRunWhileTenantsChangeAndTheLinksAreRebuilt"));
    List<Point> points = points(r);
    try (LocalShard shard = new LocalShard(dir, config(16, 8))) {
      shard.payloadIndexes(tenantIndex(true));
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    Random q = new Random(1);
                    try {
                      while (!stop.get()) {
                        String t = "t" + q.nextInt(TENANTS);
                        float[] v = points.get(q.nextInt(N)).vectors().get(DENSE);
                        for (ScoredPoint p : search(shard, v, t, false)) {
                          assertThat(((Value.Str) p.payload().fields().get("group")).value())
                              .isEqualTo(t);
                        }
                      }
                    } catch (Throwable e) {
                      failure.set(e);
                    }
                  });
      long op = 2;
      for (int round = 0; round < 20; round++) {
        List<PointId> moved = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
          moved.add(PointId.of(r.nextInt(N)));
        }
        shard.apply(
            op++,
            new UpdateOp.SetPayload(
                new PointSelector.Ids(moved.stream().distinct().sorted().toList()),
                new Value.Struct(Map.of("group", new Value.Str("t" + r.nextInt(TENANTS)))),
                null));
        List<Point> rewritten = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          Point p = points.get(r.nextInt(N));
          rewritten.add(
              new Point(
                  p.id(),
                  p.vectors(),
                  new Value.Struct(Map.of("group", new Value.Str("t" + r.nextInt(TENANTS))))));
        }
        shard.apply(op++, new UpdateOp.Upsert(rewritten.stream().distinct().toList()));
        if (round % 5 == 4) {
          shard.vacuumNow();
        }
      }
      stop.set(true);
      reader.join(30_000);
      assertThat(failure.get()).isNull();
      shard.awaitIndexed();
      assertThat(shard.spaces.get(DENSE).staleTenantSlots("group")).isZero();
      // every point's vector slot is its own: a slot freed twice by the vacuum (once as a graph
      // node, once as a queued slot) was handed to two points, and a search lost one of them
      Map<Integer, PointId> bySlot = new HashMap<>();
      VectorSpace space = shard.spaces.get(DENSE);
      for (Stored st : shard.points.values()) {
        int slot = st.slotOf(DENSE);
        assertThat(bySlot.put(slot, st.id())).as("slot %d shared", slot).isNull();
        assertThat(space.owners.get(slot))
            .as("owner of %s's slot %d", st.id(), slot)
            .isEqualTo(st.id());
      }
      for (int t = 0; t < TENANTS; t += 3) {
        assertRecall(shard, r, points, "t" + t, 0.95);
      }
    }
  }

  /**
   * Recall@10 of tenant-filtered searches against exact ones, and only points whose payload (as the
   * search returned it) names the tenant.
   */
  private static void assertRecall(
      LocalShard shard, Random r, List<Point> points, String tenant, double floor) {
    int hits = 0;
    int expected = 0;
    for (int q = 0; q < 30; q++) {
      float[] query = points.get(r.nextInt(points.size())).vectors().get(DENSE);
      List<PointId> truth =
          search(shard, query, tenant, true).stream().map(ScoredPoint::id).toList();
      List<ScoredPoint> walked = search(shard, query, tenant, false);
      assertThat(walked).hasSameSizeAs(truth);
      for (ScoredPoint p : walked) {
        assertThat(((Value.Str) p.payload().fields().get("group")).value()).isEqualTo(tenant);
      }
      expected += truth.size();
      hits += (int) walked.stream().filter(p -> truth.contains(p.id())).count();
    }
    assertThat(hits / (double) expected).as(tenant).isGreaterThanOrEqualTo(floor);
  }

  private static List<ScoredPoint> search(
      LocalShard shard, float[] query, String tenant, boolean exact) {
    Filter filter =
        tenant == null
            ? null
            : new Filter(
                List.of(new Condition.Match("group", new Value.Str(tenant))),
                List.of(),
                List.of(),
                null);
    return shard.search(
        new SearchRequest(
            DENSE, query, 10, 0, null, WithPayload.ALL, WithVectors.NONE, 64, exact, filter));
  }
}
