package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.ShardSelector;
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

  /** Every stage a resharding in four parts goes through, in order. */
  private static List<Wire.Resharding> stages(boolean up) {
    List<Wire.Resharding> out = new ArrayList<>();
    for (int done = 0; done < 4; done++) {
      for (boolean frozen : List.of(false, true)) {
        out.add(
            new Wire.Resharding(null, up, 2, 1, 1, Wire.ReshardStage.MIGRATING, 4, done, frozen));
      }
    }
    out.add(new Wire.Resharding(null, up, 2, 1, 1, Wire.ReshardStage.SWITCHED, 4, 3, false));
    out.add(new Wire.Resharding(null, up, 2, 1, 1, Wire.ReshardStage.ABORTING, 4, 0, false));
    return out;
  }

  /**
   * At every stage, with each point in its old shard and a copy in its new one (not yet deleted),
   * the reads of the shards requests see (each filtered by its ownership condition) see every point
   * exactly once, in the shard it lives in, which is where an update of it goes.
   */
  @Test
  void readsSeeEveryPointOnceAndWritesGoWhereItLives() {
    for (PointRouting routing : PointRouting.values()) {
      ShardLayout full = threeShards(routing);
      for (boolean up : List.of(true, false)) {
        for (Wire.Resharding r : stages(up)) {
          List<Integer> before = Reshard.before(full, r);
          List<Integer> after = Reshard.after(full, r);
          Map<Integer, Set<PointId>> held = new HashMap<>();
          List<Point> points = new ArrayList<>();
          for (long i = 0; i < 2_000; i++) {
            PointId id = PointId.of(i);
            held.computeIfAbsent(Reshard.owner(routing, before, id), k -> new HashSet<>()).add(id);
            held.computeIfAbsent(Reshard.owner(routing, after, id), k -> new HashSet<>()).add(id);
            points.add(new Point(id, Map.of(), Value.Struct.EMPTY));
          }
          List<Integer> current = Reshard.current(full, r);
          assertThat(Reshard.routing(full, r).shards().keySet()).containsExactlyElementsOf(current);
          List<PointId> seen = new ArrayList<>();
          for (int shard : current) {
            Condition owned = Reshard.owned(full, r, shard);
            for (PointId id : held.getOrDefault(shard, Set.of())) {
              if (test(owned, id)) {
                assertThat(Reshard.owner(full, r, id)).isEqualTo(shard);
                seen.add(id);
              }
            }
          }
          assertThat(seen).as("%s, %s", routing, r).hasSize(2_000).doesNotHaveDuplicates();
          var routed = Reshard.route(full, r, new UpdateOp.Upsert(points), ShardSelector.ALL);
          routed.forEach(
              (shard, part) -> {
                for (Point p : ((UpdateOp.Upsert) part).points()) {
                  assertThat(Reshard.owner(full, r, p.id())).as("%s", r).isEqualTo(shard);
                }
              });
          assertThat(
                  routed.values().stream()
                      .mapToInt(o -> ((UpdateOp.Upsert) o).points().size())
                      .sum())
              .isEqualTo(2_000);
        }
      }
      assertThat(Reshard.owned(full, null, 0)).isNull();
    }
  }

  /** The conditions a resharding puts on reads, evaluated here on an id. */
  private static boolean test(Condition c, PointId id) {
    return switch (c) {
      case Condition.InShard s -> s.test(id);
      case Condition.InPart p -> p.test(id);
      case Condition.Sub sub ->
          sub.filter().must().stream().allMatch(m -> test(m, id))
              && (sub.filter().should().isEmpty()
                  || sub.filter().should().stream().anyMatch(m -> test(m, id)));
      default -> throw new AssertionError("not a resharding condition: " + c);
    };
  }

  @Test
  void onlyWritesThatMayTouchAMovingPointOfTheFrozenPartWait() {
    ShardLayout full = threeShards();
    Wire.Resharding frozen =
        new Wire.Resharding(null, true, 2, 1, 1, Wire.ReshardStage.MIGRATING, 1, 0, true);
    List<Integer> before = Reshard.before(full, frozen);
    List<Integer> after = Reshard.after(full, frozen);
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
    Filter any = new Filter(List.of(), List.of(), List.of(), null);
    assertThat(Reshard.waits(full, frozen, new UpdateOp.Upsert(List.of(point)))).isFalse();
    assertThat(
            Reshard.waits(
                full,
                frozen,
                new UpdateOp.Upsert(
                    List.of(point, new Point(moving, Map.of(), Value.Struct.EMPTY)))))
        .isTrue();
    assertThat(Reshard.waits(full, frozen, new UpdateOp.DeletePoints(List.of(moving)))).isTrue();
    assertThat(
            Reshard.waits(
                full, frozen, new UpdateOp.ClearPayload(new PointSelector.Ids(List.of(staying)))))
        .isFalse();
    // a filter may match any point
    assertThat(Reshard.waits(full, frozen, new UpdateOp.DeleteByFilter(any))).isTrue();
    assertThat(
            Reshard.waits(
                full,
                frozen,
                new UpdateOp.SetPayload(
                    new PointSelector.ByFilter(any),
                    new Value.Struct(Map.of("a", new Value.Int(1))),
                    null)))
        .isTrue();
    // nothing waits while no part is frozen, nor for a point of another part
    assertThat(
            Reshard.waits(
                full,
                frozen.at(Wire.ReshardStage.MIGRATING, 0, false),
                new UpdateOp.DeleteByFilter(any)))
        .isFalse();
    Wire.Resharding inParts =
        new Wire.Resharding(null, true, 2, 1, 1, Wire.ReshardStage.MIGRATING, 4, 1, true);
    for (long i = 0; i < 200; i++) {
      PointId id = PointId.of(i);
      boolean expected =
          Reshard.moves(PointRouting.JUMP, before, after, id) && PointRouting.partOf(id, 4) == 1;
      assertThat(Reshard.waits(full, inParts, new UpdateOp.DeletePoints(List.of(id))))
          .isEqualTo(expected);
    }
  }

  @Test
  void aReshardingMovesPartByPartAndAbortsOnlyBeforeTheFirstHasMoved() {
    Wire.Resharding r =
        new Wire.Resharding(null, true, 2, 1, 1, Wire.ReshardStage.MIGRATING, 2, 0, false);
    Wire.Resharding frozen =
        Reshard.step(r, new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 0, true));
    assertThat(frozen.frozen()).isTrue();
    assertThat(
            Reshard.step(
                frozen, new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 0, true)))
        .as("again")
        .isEqualTo(frozen);
    assertThat(
            Reshard.step(frozen, new Wire.ReshardingStage("c", Wire.ReshardStage.ABORTING)).stage())
        .isEqualTo(Wire.ReshardStage.ABORTING);
    assertThatThrownBy(
            () ->
                Reshard.step(
                    r, new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 1, false)))
        .as("a part moves only once frozen")
        .isInstanceOf(StorageException.BadRequest.class);
    assertThatThrownBy(
            () -> Reshard.step(frozen, new Wire.ReshardingStage("c", Wire.ReshardStage.SWITCHED)))
        .as("the switch only after the last part")
        .isInstanceOf(StorageException.BadRequest.class);
    assertThat(
            Reshard.step(
                frozen, new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 0, false)))
        .as("thawed: the part unmoved, to be frozen again")
        .isEqualTo(r);
    assertThatThrownBy(
            () ->
                Reshard.step(
                    frozen, new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 2, false)))
        .as("no part skipped")
        .isInstanceOf(StorageException.BadRequest.class);
    Wire.Resharding moved =
        Reshard.step(frozen, new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 1, false));
    assertThat(moved.done()).isEqualTo(1);
    assertThatThrownBy(
            () -> Reshard.step(moved, new Wire.ReshardingStage("c", Wire.ReshardStage.ABORTING)))
        .isInstanceOf(StorageException.BadRequest.class)
        .hasMessageContaining("1 of its 2 parts already live in their new shards");
    Wire.Resharding last =
        Reshard.step(moved, new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 1, true));
    Wire.Resharding switched =
        Reshard.step(last, new Wire.ReshardingStage("c", Wire.ReshardStage.SWITCHED));
    assertThat(switched.stage()).isEqualTo(Wire.ReshardStage.SWITCHED);
    assertThatThrownBy(
            () -> Reshard.step(switched, new Wire.ReshardingStage("c", Wire.ReshardStage.ABORTING)))
        .isInstanceOf(StorageException.BadRequest.class)
        .hasMessageContaining("cannot be aborted any more");
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
