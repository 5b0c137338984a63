package dev.quiver.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.ShardingMethod;
import dev.quiver.storage.Storage;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replicate_points} on a node: the points of one shard key that pass the filter land in the
 * other with their vectors and payloads, the source unchanged; more than a page of them; refusals
 * of what it cannot do; and a request past its deadline stops between pages.
 */
class PointReplicationTest {
  private static final ShardKey FROM = new ShardKey.Keyword("default");
  private static final ShardKey TO = new ShardKey.Keyword("tenant");
  private static final int POINTS = 3 * PointReplication.PAGE + 17;

  @TempDir Path dir;
  private Dispatcher d;

  private static CollectionConfig config(ShardingMethod sharding) {
    return new CollectionConfig(
        Map.of("", new VectorParams(3, Distance.DOT, null)),
        1,
        1,
        1,
        true,
        HnswConfig.DEFAULT,
        OptimizersConfig.DEFAULT,
        WalConfig.DEFAULT,
        sharding,
        Map.of(),
        null,
        null);
  }

  @BeforeEach
  void open() {
    d = Dispatchers.singleNode(Storage.open(dir.resolve("storage")), dir.resolve("snapshots"));
    d.catalog().createCollection("c", config(ShardingMethod.CUSTOM));
    d.catalog().createShardKey("c", FROM, 1, 1, List.of());
    d.catalog().createShardKey("c", TO, 1, 1, List.of());
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < POINTS; i++) {
      points.add(
          new Point(
              PointId.of(i),
              Map.of("", new float[] {i, 1, -i}),
              Map.of(),
              new Value.Struct(Map.of("city", new Value.Str(i % 3 == 0 ? "London" : "Paris"))),
              Map.of()));
    }
    d.points().update("c", new UpdateOp.Upsert(points), true, ShardSelector.of(FROM));
  }

  @AfterEach
  void close() {
    d.close();
  }

  private static Filter london() {
    return new Filter(
        List.of(new Condition.Match("city", new Value.Str("London"))), List.of(), List.of(), null);
  }

  private long count(ShardKey key, Filter f) {
    return d.points().count("c", f, ReadConsistency.ONE, ShardSelector.of(key));
  }

  @Test
  void copiesThePointsThatPassTheFilterAndLeavesTheSource() {
    d.updateCollectionCluster("c", new ShardOperation.ReplicatePoints(FROM, TO, london()));
    long londoners = (POINTS + 2) / 3;
    assertThat(count(TO, null)).isEqualTo(londoners);
    assertThat(count(TO, london())).isEqualTo(londoners);
    assertThat(count(FROM, null)).isEqualTo(POINTS);
    PointRecord copied =
        d.points()
            .retrieve(
                "c",
                List.of(PointId.of(300)),
                WithPayload.ALL,
                WithVectors.ALL,
                ReadConsistency.ONE,
                ShardSelector.of(TO))
            .getFirst();
    assertThat(copied.vectors().get("")).containsExactly(300, 1, -300);
    assertThat(copied.payload().fields().get("city")).isEqualTo(new Value.Str("London"));
    assertThat(copied.shardKey()).isEqualTo(TO);
    // all of them, and again: idempotent
    d.updateCollectionCluster("c", new ShardOperation.ReplicatePoints(FROM, TO, null));
    d.updateCollectionCluster("c", new ShardOperation.ReplicatePoints(FROM, TO, null));
    assertThat(count(TO, null)).isEqualTo(POINTS);
  }

  @Test
  void refusesWhatItCannotDo() {
    assertThatThrownBy(
            () ->
                d.updateCollectionCluster(
                    "c", new ShardOperation.ReplicatePoints(FROM, FROM, null)))
        .isInstanceOf(StorageException.BadInput.class);
    assertThatThrownBy(
            () ->
                d.updateCollectionCluster(
                    "c", new ShardOperation.ReplicatePoints(FROM, new ShardKey.Keyword("x"), null)))
        .isInstanceOf(StorageException.NotFound.class)
        .hasMessage("Shard key x not found");
    d.catalog().createCollection("auto", config(ShardingMethod.AUTO));
    assertThatThrownBy(
            () ->
                d.updateCollectionCluster(
                    "auto", new ShardOperation.ReplicatePoints(FROM, TO, null)))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("custom sharding");
    assertThat(count(TO, null)).isZero();
  }

  @Test
  void itsPagesAreNotTheRequestsResultsAndItsDeadlineStopsIt() throws Exception {
    AtomicLong now = new AtomicLong();
    var op = new ShardOperation.ReplicatePoints(FROM, TO, null);
    // a result budget of 100 points: the copy reads pages of 256 outside it
    RequestScope.of(60, 100, 100, now::get)
        .run(
            () -> {
              d.updateCollectionCluster("c", op);
              return null;
            });
    assertThat(count(TO, null)).isEqualTo(POINTS);
    d.catalog().deleteShardKey("c", TO);
    d.catalog().createShardKey("c", TO, 1, 1, List.of());
    RequestScope late = RequestScope.of(1, 100_000, 100, now::get);
    now.set(2_000_000_000L); // past its one-second deadline
    assertThatThrownBy(
            () ->
                late.run(
                    () -> {
                      d.updateCollectionCluster("c", op);
                      return null;
                    }))
        .isInstanceOf(StorageException.Timeout.class);
    assertThat(count(TO, null)).isZero();
  }
}
