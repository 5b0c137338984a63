package dev.quiver.storage.internal.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CodecTest {
  @Test
  void upsertRoundTripsEveryValueKind() throws Exception {
    Value.Struct payload =
        new Value.Struct(
            Map.of(
                "null", Value.Null.INSTANCE,
                "bool", new Value.Bool(true),
                "int", new Value.Int(-42),
                "double", new Value.Double(2.5),
                "str", new Value.Str("héllo".repeat(20_000)),
                "arr", new Value.Array(List.of(new Value.Int(1), new Value.Str("x"))),
                "obj", new Value.Struct(Map.of("nested", new Value.Bool(false)))));
    var op =
        new UpdateOp.Upsert(
            List.of(
                new Point(PointId.of(-1L), Map.of("", new float[] {1, 2, 3}), payload),
                new Point(
                    PointId.of(UUID.randomUUID()),
                    Map.of("a", new float[] {4}, "b", new float[0]),
                    null)));
    var back = (UpdateOp.Upsert) Codec.decodeOp(Codec.encode(op));
    assertThat(back.points()).hasSize(2);
    assertThat(back.points().get(0).id()).isEqualTo(op.points().get(0).id());
    assertThat(back.points().get(0).payload()).isEqualTo(payload);
    assertThat(back.points().get(0).vectors().get("")).containsExactly(1, 2, 3);
    assertThat(back.points().get(1).id()).isEqualTo(op.points().get(1).id());
    assertThat(back.points().get(1).vectors().get("a")).containsExactly(4);
  }

  @Test
  void deleteRoundTrips() throws Exception {
    var op = new UpdateOp.DeletePoints(List.of(PointId.of(7), PointId.of(UUID.randomUUID())));
    assertThat(Codec.decodeOp(Codec.encode(op))).isEqualTo(op);
  }

  @Test
  void configRoundTrips() throws Exception {
    var c =
        new CollectionConfig(
            Map.of(
                "a",
                new VectorParams(3, Distance.DOT, true),
                "b",
                new VectorParams(8, Distance.MANHATTAN, null)),
            2,
            3,
            1,
            false,
            new HnswConfig(32, 200, 5000, 2, true),
            new OptimizersConfig(0.3, 500, 2, 1000, 20_000, 10, 4),
            new WalConfig(16, 1));
    assertThat(Codec.decodeConfig(Codec.encode(c))).isEqualTo(c);
  }

  @Test
  void truncatedOrGarbageBytesAreRejected() {
    byte[] good = Codec.encode(new UpdateOp.DeletePoints(List.of(PointId.of(1), PointId.of(2))));
    assertThatThrownBy(() -> Codec.decodeOp(Arrays.copyOf(good, good.length - 1)))
        .isInstanceOf(Codec.DecodeException.class);
    assertThatThrownBy(() -> Codec.decodeOp(new byte[] {99}))
        .isInstanceOf(Codec.DecodeException.class);
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> Codec.decodeOp(longer)).isInstanceOf(Codec.DecodeException.class);
  }
}
