package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shard counts its points' payload bytes through every write, and again after reopening. */
class PayloadBytesTest {
  @TempDir Path dir;

  private static CollectionConfig config() {
    return new CollectionConfig(
        Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(2, Distance.DOT, null)),
        1,
        1,
        1,
        true,
        HnswConfig.DEFAULT,
        OptimizersConfig.DEFAULT,
        WalConfig.DEFAULT);
  }

  private static Value.Struct payload(String text) {
    return new Value.Struct(Map.of("note", new Value.Str(text)));
  }

  private static long size(Value.Struct p) {
    return ShardCodec.encodedSize(p);
  }

  @Test
  void everyWriteKeepsTheCountExact() {
    PointId a = new PointId.Num(1);
    PointId b = new PointId.Num(2);
    try (LocalShard shard = new LocalShard(dir, config())) {
      shard.apply(
          1,
          new UpdateOp.Upsert(
              List.of(
                  new Point(a, Map.of("", new float[] {1, 0}), payload("x".repeat(40))),
                  new Point(b, Map.of("", new float[] {0, 1}), Value.Struct.EMPTY))));
      assertThat(shard.payloadBytes()).isEqualTo(size(payload("x".repeat(40))));
      shard.apply(
          2, new UpdateOp.OverwritePayload(new PointSelector.Ids(List.of(b)), payload("y")));
      assertThat(shard.payloadBytes())
          .isEqualTo(size(payload("x".repeat(40))) + size(payload("y")));
      shard.apply(3, new UpdateOp.DeletePoints(List.of(a)));
      assertThat(shard.payloadBytes()).isEqualTo(size(payload("y")));
      shard.apply(4, new UpdateOp.ClearPayload(new PointSelector.Ids(List.of(b))));
      assertThat(shard.payloadBytes()).isZero();
      shard.apply(
          5, new UpdateOp.OverwritePayload(new PointSelector.Ids(List.of(b)), payload("z")));
    }
    try (LocalShard reopened = new LocalShard(dir, config())) {
      assertThat(reopened.payloadBytes()).isEqualTo(size(payload("z")));
    }
  }
}
