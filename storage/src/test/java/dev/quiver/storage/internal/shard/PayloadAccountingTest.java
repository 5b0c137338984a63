package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.storage.internal.payload.PayloadBytes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A shard counts its points' payload bytes through every write, and again after reopening, the same
 * whether payloads are held parsed or serialized ({@code on_disk_payload}); turning the setting
 * keeps every payload.
 */
class PayloadAccountingTest {
  @TempDir Path dir;

  private static CollectionConfig config(boolean onDiskPayload) {
    return new CollectionConfig(
        Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(2, Distance.DOT, null)),
        1,
        1,
        1,
        onDiskPayload,
        HnswConfig.DEFAULT,
        OptimizersConfig.DEFAULT,
        WalConfig.DEFAULT);
  }

  private static Value.Struct payload(String text) {
    return new Value.Struct(Map.of("note", new Value.Str(text)));
  }

  private static long size(Value.Struct p) {
    return PayloadBytes.size(p);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void everyWriteKeepsTheCountExact(boolean onDiskPayload) {
    PointId a = new PointId.Num(1);
    PointId b = new PointId.Num(2);
    try (LocalShard shard = new LocalShard(dir, config(onDiskPayload))) {
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
    try (LocalShard reopened = new LocalShard(dir, config(onDiskPayload))) {
      assertThat(reopened.payloadBytes()).isEqualTo(size(payload("z")));
    }
  }

  @Test
  void turningOnDiskPayloadKeepsEveryPayload() {
    PointId a = new PointId.Num(1);
    Value.Struct p = payload("kept");
    try (LocalShard shard = new LocalShard(dir, config(true))) {
      shard.apply(1, new UpdateOp.Upsert(List.of(new Point(a, Map.of("", new float[] {1, 0}), p))));
      long bytes = shard.payloadBytes();
      shard.updateConfig(config(false));
      assertThat(shard.retrieve(List.of(a), WithPayload.ALL, WithVectors.NONE).getFirst().payload())
          .isEqualTo(p);
      shard.updateConfig(config(true));
      assertThat(shard.retrieve(List.of(a), WithPayload.ALL, WithVectors.NONE).getFirst().payload())
          .isEqualTo(p);
      assertThat(shard.payloadBytes()).isEqualTo(bytes);
    }
  }
}
