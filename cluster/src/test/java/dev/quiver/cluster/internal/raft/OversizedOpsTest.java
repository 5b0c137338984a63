package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateOpCodec;
import dev.quiver.storage.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OversizedOpsTest {
  private static final int LIMIT = 10_000;

  private static List<Point> points(int n, int dims) {
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] v = new float[dims];
      v[i % dims] = i;
      out.add(new Point(PointId.of(i + 1), Map.of(CollectionConfig.DEFAULT_VECTOR, v), null));
    }
    return out;
  }

  private static List<UpdateOp> decode(List<byte[]> parts) throws Exception {
    List<UpdateOp> ops = new ArrayList<>();
    for (byte[] part : parts) {
      assertThat(part.length).isLessThanOrEqualTo(LIMIT);
      ops.add(ShardCodec.read(part, UpdateOpCodec::read));
    }
    return ops;
  }

  @Test
  void anOperationThatFitsIsOnePart() throws Exception {
    UpdateOp op = new UpdateOp.Upsert(points(3, 4));
    List<UpdateOp> parts = decode(OversizedOps.encode(op, LIMIT));
    assertThat(parts).singleElement().isInstanceOf(UpdateOp.Upsert.class);
    assertThat(((UpdateOp.Upsert) parts.getFirst()).points())
        .extracting(Point::id)
        .containsExactly(PointId.of(1), PointId.of(2), PointId.of(3));
  }

  @Test
  void aLargeUpsertIsSplitInOrderKeepingItsModeAndFilter() throws Exception {
    List<Point> points = points(100, 64); // about 26 KB encoded
    UpdateOp op = new UpdateOp.Upsert(points, UpdateOp.Upsert.Mode.INSERT_ONLY);
    List<UpdateOp> parts = decode(OversizedOps.encode(op, LIMIT));

    assertThat(parts).hasSizeGreaterThan(2);
    List<PointId> ids = new ArrayList<>();
    for (UpdateOp part : parts) {
      UpdateOp.Upsert u = (UpdateOp.Upsert) part;
      assertThat(u.mode()).isEqualTo(UpdateOp.Upsert.Mode.INSERT_ONLY);
      u.points().forEach(p -> ids.add(p.id()));
    }
    assertThat(ids).isEqualTo(points.stream().map(Point::id).toList());
  }

  @Test
  void idListsAreSplitAndAFilterOrASinglePointThatDoesNotFitIsRefused() throws Exception {
    List<PointId> ids = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      ids.add(PointId.of(i));
    }
    List<PointId> deleted = new ArrayList<>();
    for (UpdateOp part : decode(OversizedOps.encode(new UpdateOp.DeletePoints(ids), LIMIT))) {
      deleted.addAll(((UpdateOp.DeletePoints) part).ids());
    }
    assertThat(deleted).isEqualTo(ids);

    Value.Struct large = new Value.Struct(Map.of("text", new Value.Str("x".repeat(LIMIT))));
    List<PointId> cleared = new ArrayList<>();
    for (UpdateOp part :
        decode(OversizedOps.encode(new UpdateOp.ClearPayload(new PointSelector.Ids(ids)), LIMIT))) {
      cleared.addAll(((PointSelector.Ids) ((UpdateOp.ClearPayload) part).selector()).ids());
    }
    assertThat(cleared).isEqualTo(ids);

    assertThatThrownBy(
            () ->
                OversizedOps.encode(
                    new UpdateOp.SetPayload(
                        new PointSelector.Ids(List.of(PointId.of(1))), large, null),
                    LIMIT))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("exceeds the largest entry of a shard's log");
  }
}
