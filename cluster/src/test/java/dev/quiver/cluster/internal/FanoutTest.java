package dev.quiver.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.Storage;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A collection split over shards by {@link ShardRouting} and read through {@link Fanout} answers
 * exactly as one shard holding every point (the oracle): searches, scroll pages, counts, retrieves.
 */
class FanoutTest {
  private static final PointRouting ROUTING = PointRouting.JUMP;

  static final int SHARDS = 3;
  static final int DIM = 8;

  @TempDir Path dir;
  CollectionRegistry registry;
  ExecutorService executor;
  Collection split;
  Collection whole;
  List<ShardReader> shards;
  Fanout fanout;

  @BeforeEach
  void setUp() {
    long seed = TestSeed.of("FanoutTest");
    Random random = new Random(seed);
    registry = Storage.open(dir);
    executor = Executors.newVirtualThreadPerTaskExecutor();
    fanout = new Fanout(executor);
    var config =
        new CollectionConfig(
            Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(DIM, Distance.EUCLID, null)),
            SHARDS,
            1,
            1,
            false,
            new HnswConfig(16, 64, 10_000, 0, false),
            new OptimizersConfig(0.2, 1000, 0, null, 10_000, 5, null),
            new WalConfig(32, 0));
    registry.apply(new CollectionMetaOp.Create("split", config, Set.of(0, 1, 2)), 1);
    registry.apply(new CollectionMetaOp.Create("whole", config), 2);
    split = registry.require("split");
    whole = registry.require("whole");
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      PointId id =
          i % 5 == 0 ? new PointId.Uuid(new UUID(random.nextLong(), i)) : new PointId.Num(i);
      float[] v = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        v[d] = random.nextFloat();
      }
      points.add(
          new Point(
              id,
              Map.of(CollectionConfig.DEFAULT_VECTOR, v),
              new Value.Struct(Map.of("group", new Value.Int(i % 7)))));
    }
    var op = new UpdateOp.Upsert(points);
    whole.writer().apply(1, op);
    ShardRouting.split(op, SHARDS, ROUTING).forEach((s, part) -> split.writer(s).apply(1, part));
    shards = List.of(split.reader(0), split.reader(1), split.reader(2));
  }

  @AfterEach
  void tearDown() {
    executor.shutdownNow();
    registry.close();
  }

  @Test
  void everyShardGotSomePointsAndNoneTwice() {
    long total = 0;
    for (ShardReader s : shards) {
      assertThat(s.count()).isPositive();
      total += s.count();
    }
    assertThat(total).isEqualTo(whole.reader().count());
  }

  @Test
  void searchEqualsTheSingleShardOracle() {
    Random random = new Random(7);
    Filter filter =
        new Filter(
            List.of(new Condition.Match("group", new Value.Int(3))), List.of(), List.of(), null);
    for (int q = 0; q < 20; q++) {
      float[] v = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        v[d] = random.nextFloat();
      }
      var request =
          new SearchRequest(
              "",
              v,
              10,
              q % 3,
              null,
              WithPayload.NONE,
              WithVectors.NONE,
              null,
              true,
              q % 2 == 0 ? null : filter);
      List<PointId> expected =
          whole.reader().search(request).stream().map(ScoredPoint::id).toList();
      List<PointId> actual =
          fanout.search(List.of(shards), request, Distance.EUCLID).stream()
              .map(ScoredPoint::id)
              .toList();
      assertThat(actual).as("query %d", q).isEqualTo(expected);
    }
  }

  @Test
  void scrollPagesCountAndRetrieveEqualTheOracle() {
    PointId offsetWhole = null;
    PointId offsetSplit = null;
    int pages = 0;
    do {
      ScrollPage a =
          whole.reader().scroll(null, offsetWhole, 37, WithPayload.ALL, WithVectors.NONE);
      ScrollPage b =
          fanout.scroll(List.of(shards), null, offsetSplit, 37, WithPayload.ALL, WithVectors.NONE);
      assertThat(b.points().stream().map(PointRecord::id).toList())
          .isEqualTo(a.points().stream().map(PointRecord::id).toList());
      assertThat(b.nextOffset()).isEqualTo(a.nextOffset());
      offsetWhole = a.nextOffset();
      offsetSplit = b.nextOffset();
    } while (offsetWhole != null && ++pages < 100);
    assertThat(pages).isGreaterThan(10);

    Filter filter =
        new Filter(
            List.of(new Condition.Match("group", new Value.Int(2))), List.of(), List.of(), null);
    assertThat(fanout.count(List.of(shards), filter)).isEqualTo(whole.reader().count(filter));

    List<PointId> ids =
        List.of(new PointId.Num(6), new PointId.Num(1), new PointId.Num(9999), new PointId.Num(3));
    assertThat(fanout.retrieve(List.of(shards), ROUTING, ids, WithPayload.ALL, WithVectors.NONE))
        .extracting(PointRecord::id)
        .containsExactly(new PointId.Num(6), new PointId.Num(1), new PointId.Num(3));
    assertThat(
            fanout.anyPayloadMatches(
                List.of(shards),
                new Filter(
                    List.of(new Condition.Match("group", new Value.Int(6))),
                    List.of(),
                    List.of(),
                    null)))
        .isTrue();
    assertThat(
            fanout.anyPayloadMatches(
                List.of(shards),
                new Filter(
                    List.of(new Condition.Match("group", new Value.Int(60))),
                    List.of(),
                    List.of(),
                    null)))
        .isFalse();
  }

  @Test
  void routingIsStableAndSpreadsIds() {
    int[] perShard = new int[SHARDS];
    for (int i = 0; i < 3000; i++) {
      int s = ROUTING.shardOf(new PointId.Num(i), SHARDS);
      assertThat(ROUTING.shardOf(new PointId.Num(i), SHARDS)).isEqualTo(s);
      perShard[s]++;
    }
    for (int n : perShard) {
      assertThat(n).isBetween(850, 1150);
    }
    // known values: a change of the hash would move every existing point to another shard
    assertThat(
            List.of(0L, 1L, 2L, 42L, 1000L).stream()
                .map(i -> PointRouting.MODULO.shardOf(new PointId.Num(i), 3))
                .toList())
        .containsExactly(0, 1, 0, 1, 2);
    assertThat(
            PointRouting.MODULO.shardOf(
                new PointId.Uuid(UUID.fromString("550e8400-e29b-41d4-a716-446655440000")), 3))
        .isZero();
    var byFilter =
        ShardRouting.split(
            new UpdateOp.DeleteByFilter(
                new Filter(List.of(new Condition.IsEmpty("a")), List.of(), List.of(), null)),
            SHARDS,
            ROUTING);
    assertThat(byFilter.keySet()).containsExactlyInAnyOrder(0, 1, 2);
  }
}
