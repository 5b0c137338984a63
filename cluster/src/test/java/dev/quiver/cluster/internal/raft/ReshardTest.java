package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Routing while a resharding runs: layouts by stage, moving points, and reads seeing each once. */
class ReshardTest {

  /** Live shards 0, 1, 2 without keys. */
  private static ShardLayout threeShards(PointRouting routing) {
    var shards = new TreeMap<Integer, ShardKey>();
    for (int s = 0; s < 3; s++) {
      shards.put(s, null);
    }
    return new ShardLayout(false, shards, routing);
  }

  private static ShardLayout threeShards() {
    return threeShards(PointRouting.JUMP);
  }

  private static Wire.Resharding resharding(boolean up, Wire.ReshardStage stage) {
    return new Wire.Resharding(null, up, 2, 1, 1, stage);
  }

  @Test
  void theGroupRoutedByFollowsTheStage() {
    ShardLayout full = threeShards();
    // up: shard 2 is new and outside the group until the switch
    assertThat(Reshard.routing(full, resharding(true, Wire.ReshardStage.MIGRATING)).shards())
        .containsOnlyKeys(0, 1);
    assertThat(Reshard.routing(full, resharding(true, Wire.ReshardStage.ABORTING)).shards())
        .containsOnlyKeys(0, 1);
    assertThat(Reshard.routing(full, resharding(true, Wire.ReshardStage.SWITCHED)).shards())
        .containsOnlyKeys(0, 1, 2);
    // down: shard 2 goes and is outside the group from the switch
    assertThat(Reshard.routing(full, resharding(false, Wire.ReshardStage.MIGRATING)).shards())
        .containsOnlyKeys(0, 1, 2);
    assertThat(Reshard.routing(full, resharding(false, Wire.ReshardStage.SWITCHED)).shards())
        .containsOnlyKeys(0, 1);
    assertThat(Reshard.routing(full, null)).isEqualTo(full);
    assertThat(Reshard.before(full, resharding(true, Wire.ReshardStage.MIGRATING)))
        .containsExactly(0, 1);
    assertThat(Reshard.after(full, resharding(false, Wire.ReshardStage.MIGRATING)))
        .containsExactly(0, 1);
  }

  /**
   * Whatever the stage, with the points copied to their new shard and not yet deleted from the old
   * one, the current group's reads (each shard filtered by its ownership condition) see every point
   * exactly once, in the shard it routes to.
   */
  @Test
  void readsSeeEveryPointOnceWhileItExistsInTwoShards() {
    for (PointRouting routing : PointRouting.values()) {
      readsSeeEveryPointOnce(threeShards(routing));
    }
  }

  private static void readsSeeEveryPointOnce(ShardLayout full) {
    PointRouting routing = full.routing();
    for (boolean up : List.of(true, false)) {
      for (Wire.ReshardStage stage : Wire.ReshardStage.values()) {
        Wire.Resharding r = resharding(up, stage);
        List<Integer> before = Reshard.before(full, r);
        List<Integer> after = Reshard.after(full, r);
        Map<Integer, Set<PointId>> held = new HashMap<>();
        for (long i = 0; i < 2_000; i++) {
          PointId id = PointId.of(i);
          held.computeIfAbsent(Reshard.owner(routing, before, id), k -> new HashSet<>()).add(id);
          held.computeIfAbsent(Reshard.owner(routing, after, id), k -> new HashSet<>()).add(id);
        }
        List<Integer> current = Reshard.current(full, r);
        assertThat(Reshard.routing(full, r).shards().keySet()).containsExactlyElementsOf(current);
        List<PointId> seen = new ArrayList<>();
        for (int shard : current) {
          Condition.InShard owned = Reshard.owned(full, r, shard);
          for (PointId id : held.getOrDefault(shard, Set.of())) {
            if (owned.test(id)) {
              assertThat(Reshard.owner(routing, current, id)).isEqualTo(shard);
              seen.add(id);
            }
          }
        }
        assertThat(seen)
            .as("%s, up %s at %s", routing, up, stage)
            .hasSize(2_000)
            .doesNotHaveDuplicates();
      }
    }
    assertThat(Reshard.owned(full, null, 0)).isNull();
  }

  @Test
  void aWriteWaitsWhenItMayTouchAMovingPoint() {
    List<Integer> before = List.of(0, 1);
    List<Integer> after = List.of(0, 1, 2);
    PointId moving = null;
    PointId staying = null;
    for (long i = 0; moving == null || staying == null; i++) {
      PointId id = PointId.of(i);
      if (Reshard.moves(PointRouting.JUMP, before, after, id)) {
        moving = id;
      } else {
        staying = id;
      }
    }
    var point = new Point(staying, Map.of(), Value.Struct.EMPTY);
    assertThat(
            Reshard.touchesMoving(
                PointRouting.JUMP, new UpdateOp.Upsert(List.of(point)), before, after))
        .isFalse();
    assertThat(
            Reshard.touchesMoving(
                PointRouting.JUMP,
                new UpdateOp.Upsert(
                    List.of(point, new Point(moving, Map.of(), Value.Struct.EMPTY))),
                before,
                after))
        .isTrue();
    assertThat(
            Reshard.touchesMoving(
                PointRouting.JUMP, new UpdateOp.DeletePoints(List.of(moving)), before, after))
        .isTrue();
    assertThat(
            Reshard.touchesMoving(
                PointRouting.JUMP,
                new UpdateOp.ClearPayload(new PointSelector.Ids(List.of(staying))),
                before,
                after))
        .isFalse();
    // a filter may match any point
    Filter any = new Filter(List.of(), List.of(), List.of(), null);
    assertThat(
            Reshard.touchesMoving(
                PointRouting.JUMP, new UpdateOp.DeleteByFilter(any), before, after))
        .isTrue();
    assertThat(
            Reshard.touchesMoving(
                PointRouting.JUMP,
                new UpdateOp.SetPayload(
                    new PointSelector.ByFilter(any),
                    new Value.Struct(Map.of("a", new Value.Int(1))),
                    null),
                before,
                after))
        .isTrue();
  }

  @Test
  void stagesGoForwardOnlyAndNotBackFromTheSwitch() {
    Reshard.checkStep(Wire.ReshardStage.MIGRATING, Wire.ReshardStage.SWITCHED);
    Reshard.checkStep(Wire.ReshardStage.MIGRATING, Wire.ReshardStage.ABORTING);
    assertThatThrownBy(
            () -> Reshard.checkStep(Wire.ReshardStage.SWITCHED, Wire.ReshardStage.ABORTING))
        .isInstanceOf(StorageException.BadRequest.class)
        .hasMessageContaining("cannot be aborted any more");
    assertThatThrownBy(
            () -> Reshard.checkStep(Wire.ReshardStage.ABORTING, Wire.ReshardStage.SWITCHED))
        .isInstanceOf(StorageException.BadRequest.class);
  }

  @Test
  void aNewShardGoesToTheAskedPeerThenTheLeastLoaded() {
    var p =
        new MetaStateMachine.Placement(
            "c",
            null,
            List.of(List.of(1L, 2L), List.of(2L, 3L)),
            java.util.Arrays.asList(null, null),
            1);
    assertThat(Reshard.newShardHolders(p, Set.of(1L, 2L, 3L, 4L), null, 2)).containsExactly(4L, 1L);
    assertThat(Reshard.newShardHolders(p, Set.of(1L, 2L, 3L, 4L), 2L, 2)).containsExactly(2L, 4L);
    assertThat(Reshard.newShardHolders(p, Set.of(1L, 2L, 3L), 3L, 1)).containsExactly(3L);
  }

  @Test
  void aCustomShardedCollectionReshardsTheShardsOfAKey() {
    var shards = new TreeMap<Integer, ShardKey>();
    shards.put(0, new ShardKey.Keyword("eu"));
    shards.put(1, new ShardKey.Keyword("us"));
    shards.put(2, new ShardKey.Keyword("eu"));
    ShardLayout custom = new ShardLayout(true, shards, PointRouting.JUMP);
    assertThat(Reshard.group(custom, new ShardKey.Keyword("eu"))).containsExactly(0, 2);
    assertThatThrownBy(() -> Reshard.group(custom, null))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("Shard key is required");
    assertThatThrownBy(() -> Reshard.group(custom, new ShardKey.Keyword("asia")))
        .isInstanceOf(StorageException.NotFound.class);
    assertThatThrownBy(() -> Reshard.group(threeShards(), new ShardKey.Keyword("eu")))
        .isInstanceOf(StorageException.BadInput.class);
  }
}
