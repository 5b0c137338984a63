package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.HnswDiff;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streamed checkpoint: it restores what was written, and a damaged one is refused. */
class CheckpointTest {
  @TempDir Path dir;

  private static CollectionConfig config() {
    return new CollectionConfig(
        Map.of(
            "a",
            new VectorParams(4, Distance.DOT, null),
            "b",
            new VectorParams(2, Distance.EUCLID, null)),
        1,
        1,
        1,
        true,
        new HnswConfig(16, 100, 0, 0, false),
        new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
        WalConfig.DEFAULT);
  }

  private void fill() {
    try (LocalShard shard = new LocalShard(dir, config())) {
      List<Point> points = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        points.add(
            new Point(
                PointId.of(i),
                i % 2 == 0
                    ? Map.of("a", new float[] {i, 1, 2, 3}, "b", new float[] {i, -i})
                    : Map.of("a", new float[] {1, i, 2, 3}),
                new Value.Struct(Map.of("n", new Value.Int(i)))));
      }
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.apply(2, new UpdateOp.DeletePoints(List.of(PointId.of(7))));
      shard.checkpoint();
    }
  }

  @Test
  void aCheckpointRestoresEveryPointSlotAndGraph() {
    fill();
    try (LocalShard reopened = new LocalShard(dir, config())) {
      assertThat(reopened.count()).isEqualTo(499);
      assertThat(reopened.lastAppliedOp()).isEqualTo(2);
      var got =
          reopened.retrieve(
              List.of(PointId.of(4), PointId.of(5)),
              dev.quiver.storage.WithPayload.ALL,
              dev.quiver.storage.WithVectors.ALL);
      assertThat(got.get(0).vectors().get("b")).containsExactly(4f, -4f);
      assertThat(got.get(1).vectors()).containsOnlyKeys("a");
      assertThat(got.get(1).payload().fields().get("n")).isEqualTo(new Value.Int(5));
    }
  }

  @Test
  void aDamagedCheckpointIsRefused() throws Exception {
    fill();
    Path file = dir.resolve(Checkpoint.FILE);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(file, bytes);
    assertThatThrownBy(() -> new LocalShard(dir, config()))
        .isInstanceOf(StorageException.Corrupted.class)
        .hasMessageContaining("checksum");
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 5)); // torn
    assertThatThrownBy(() -> new LocalShard(dir, config()))
        .isInstanceOf(StorageException.Corrupted.class);
  }

  @Test
  void aVectorRunsWithItsOwnHnswSettingsAcrossAReopen() {
    var own = new HnswDiff(8, 40, 123, null, null);
    var config =
        new CollectionConfig(
            Map.of(
                "a", new VectorParams(4, Distance.DOT, true, own),
                "b", new VectorParams(2, Distance.EUCLID, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 100, 0, 0, false),
            new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
            WalConfig.DEFAULT);
    try (LocalShard shard = new LocalShard(dir, config)) {
      assertThat(shard.hnswOf("a")).isEqualTo(own.over(config.hnsw()));
      assertThat(shard.hnswOf("b")).isEqualTo(config.hnsw());
    }
    try (LocalShard reopened = new LocalShard(dir, config)) {
      assertThat(reopened.hnswOf("a").m()).isEqualTo(8);
    }
  }
}
