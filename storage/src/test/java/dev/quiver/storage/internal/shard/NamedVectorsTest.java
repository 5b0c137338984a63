package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named vectors added to and deleted from an existing shard, across reopens and replays. */
class NamedVectorsTest {
  @TempDir Path dir;

  private static CollectionConfig config(Map<String, VectorParams> vectors) {
    return new CollectionConfig(
        vectors,
        1,
        1,
        1,
        true,
        new HnswConfig(16, 100, 0, 0, false),
        new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
        WalConfig.DEFAULT);
  }

  private static final VectorParams A = new VectorParams(2, Distance.DOT, null);
  private static final VectorParams B = new VectorParams(3, Distance.EUCLID, null);

  private static List<Point> points(String name, int dim, int from) {
    List<Point> out = new ArrayList<>();
    for (int i = from; i < from + 50; i++) {
      float[] v = new float[dim];
      v[0] = i;
      v[1] = 1;
      out.add(new Point(PointId.of(i % 50), Map.of(name, v), Value.Struct.EMPTY));
    }
    return out;
  }

  private static List<PointId> near(LocalShard s, String name, float[] q) {
    return s
        .search(
            new SearchRequest(name, q, 3, 0, null, WithPayload.NONE, WithVectors.NONE, null, true))
        .stream()
        .map(ScoredPoint::id)
        .toList();
  }

  @Test
  void vectorsAreAddedAndDeletedAndStayWhereTheyAreAcrossReopens() {
    var onlyA = config(Map.of("a", A));
    var both = config(Map.of("a", A, "b", B));
    var onlyB = config(Map.of("b", B));
    List<PointId> beforeReopen;
    try (LocalShard shard = new LocalShard(dir, onlyA)) {
      shard.apply(1, new UpdateOp.Upsert(points("a", 2, 0)));
      shard.updateConfig(both);
      shard.apply(2, new UpdateOp.UpdateVectors(points("b", 3, 0)));
      assertThat(shard.count()).isEqualTo(50);
      assertThat(near(shard, "b", new float[] {7, 1, 0})).first().isEqualTo(PointId.of(7));
      shard.updateConfig(onlyB); // "a" goes; the points keep "b"
      assertThat(shard.count()).isEqualTo(50);
      assertThatThrownBy(() -> near(shard, "a", new float[] {1, 1}))
          .isInstanceOf(StorageException.BadInput.class);
      var got =
          shard.retrieve(List.of(PointId.of(3)), WithPayload.NONE, WithVectors.ALL).getFirst();
      assertThat(got.vectors()).containsOnlyKeys("b");
      beforeReopen = near(shard, "b", new float[] {40, 1, 0});
    }
    try (LocalShard reopened = new LocalShard(dir, onlyB)) {
      assertThat(near(reopened, "b", new float[] {40, 1, 0})).isEqualTo(beforeReopen);
      reopened.updateConfig(both); // "a" again: a new, empty space, nothing of the old one
      assertThat(near(reopened, "a", new float[] {1, 1})).isEmpty();
      reopened.apply(3, new UpdateOp.UpdateVectors(points("a", 2, 0)));
      assertThat(near(reopened, "a", new float[] {1, 0})).hasSize(3);
    }
    try (LocalShard again = new LocalShard(dir, both)) {
      assertThat(near(again, "a", new float[] {1, 0})).hasSize(3);
      assertThat(near(again, "b", new float[] {40, 1, 0})).isEqualTo(beforeReopen);
    }
  }

  @Test
  void aReplayedWriteToADeletedVectorIsSkipped() {
    var both = config(Map.of("a", A, "b", B));
    LocalShard crashed = new LocalShard(dir, both); // never closed: its log is replayed
    List<Point> mixed = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      mixed.add(
          new Point(
              PointId.of(i), Map.of("a", new float[] {i, 1}, "b", new float[] {i, 0, 0}), null));
    }
    crashed.apply(1, new UpdateOp.Upsert(mixed));
    crashed.flush();
    try (LocalShard reopened = new LocalShard(dir, config(Map.of("a", A)))) {
      assertThat(reopened.count()).isEqualTo(10);
      var got =
          reopened.retrieve(List.of(PointId.of(4)), WithPayload.NONE, WithVectors.ALL).getFirst();
      assertThat(got.vectors()).containsOnlyKeys("a");
    }
  }
}
