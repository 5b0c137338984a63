package dev.quiver.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ShardLayoutTest {
  static final ShardKey EU = new ShardKey.Keyword("eu");
  static final ShardKey SEVEN = new ShardKey.Number(7);

  /** Shards 0, 1 of "eu", shard 2 of 7, and shard 3 dropped (absent). */
  static ShardLayout custom() {
    var shards = new TreeMap<Integer, ShardKey>();
    shards.put(0, EU);
    shards.put(1, EU);
    shards.put(4, SEVEN);
    return new ShardLayout(true, shards, PointRouting.JUMP);
  }

  static List<Point> points(int n) {
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Point(new PointId.Num(i), Map.of("", new float[] {1, 0}), Value.Struct.EMPTY));
    }
    return out;
  }

  @Test
  void autoShardingIsOneGroupOfEveryShardAndRefusesKeys() {
    var shards = new TreeMap<Integer, ShardKey>();
    for (int s = 0; s < 3; s++) {
      shards.put(s, null);
    }
    var layout = new ShardLayout(false, shards, PointRouting.JUMP);
    assertThat(layout.groups(ShardSelector.ALL, true)).containsExactly(List.of(0, 1, 2));
    assertThat(layout.keys()).isEmpty();
    assertThatThrownBy(() -> layout.groups(ShardSelector.of(EU), false))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("sharding_method: custom");
  }

  @Test
  void customShardingGroupsByKeyAndHashesWithinTheKey() {
    ShardLayout layout = custom();
    assertThat(layout.keys()).containsExactly(SEVEN, EU);
    assertThat(layout.groups(ShardSelector.of(EU), true)).containsExactly(List.of(0, 1));
    assertThat(layout.groups(ShardSelector.ALL, false)).containsExactly(List.of(4), List.of(0, 1));

    var routed = layout.route(new UpdateOp.Upsert(points(50)), ShardSelector.of(EU));
    assertThat(routed.keySet()).containsExactlyInAnyOrder(0, 1);
    int total = 0;
    for (UpdateOp op : routed.values()) {
      total += ((UpdateOp.Upsert) op).points().size();
    }
    assertThat(total).isEqualTo(50);
    for (var e : routed.entrySet()) {
      for (Point p : ((UpdateOp.Upsert) e.getValue()).points()) {
        assertThat(List.of(0, 1).get(PointRouting.JUMP.shardOf(p.id(), 2))).isEqualTo(e.getKey());
      }
    }
    // two keys: the point is written once under each
    var both = layout.route(new UpdateOp.Upsert(points(1)), ShardSelector.of(EU, SEVEN));
    assertThat(both).hasSize(2).containsKey(4);
  }

  @Test
  void customShardingNeedsAKeyToUpsertAndAnExistingKey() {
    ShardLayout layout = custom();
    assertThatThrownBy(() -> layout.route(new UpdateOp.Upsert(points(1)), ShardSelector.ALL))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("Shard key is required");
    // deletes without a key go to every key's shards
    assertThat(
            layout
                .route(new UpdateOp.DeletePoints(List.of(new PointId.Num(1))), ShardSelector.ALL)
                .keySet())
        .hasSize(2);
    var us = new ShardKey.Keyword("us");
    assertThatThrownBy(() -> layout.groups(ShardSelector.of(us), false))
        .isInstanceOf(StorageException.NotFound.class)
        .hasMessage("Shard key us not found");
    assertThat(layout.groups(new ShardSelector(List.of(us), SEVEN), false))
        .containsExactly(List.of(4));
    assertThat(layout.groups(new ShardSelector(List.of(EU), SEVEN), false))
        .containsExactly(List.of(0, 1));
    assertThatThrownBy(() -> layout.checkNewKey("c", EU))
        .isInstanceOf(StorageException.BadInput.class);
    assertThatThrownBy(() -> layout.checkExistingKey(us))
        .isInstanceOf(StorageException.NotFound.class);
  }
}
