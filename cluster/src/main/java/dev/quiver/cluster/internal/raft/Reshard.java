package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a running resharding means for routing: the group of shards it changes before and after, the
 * layout requests route by at each stage, which points move, and the condition that makes a shard's
 * reads see only the points routed to it (a moving point exists in two shards until the old copy is
 * deleted). Within a group a point lives in shard {@code routing.shardOf(id, size)} of the group's
 * ascending shard ids, so adding the last shard or removing it changes the owner of every point
 * whose hash modulo the size changes. Stateless (static functions of immutable values), so
 * thread-safe.
 */
final class Reshard {
  private Reshard() {}

  /** The shards of {@code key} (null: the collection's shards without a key), ascending. */
  static List<Integer> group(ShardLayout layout, ShardKey key) {
    if (key == null) {
      if (layout.custom()) {
        throw new StorageException.BadInput(
            "Shard key is required to reshard a collection with sharding_method: custom");
      }
      return List.copyOf(layout.shards().keySet());
    }
    layout.checkExistingKey(key);
    return layout.shardsOf(key);
  }

  /** The group before the resharding: without the shard being added. */
  static List<Integer> before(ShardLayout full, Wire.Resharding r) {
    List<Integer> g = group(full, r.key());
    return r.up() ? without(g, r.shard()) : g;
  }

  /** The group after the resharding: without the shard being removed. */
  static List<Integer> after(ShardLayout full, Wire.Resharding r) {
    List<Integer> g = group(full, r.key());
    return r.up() ? g : without(g, r.shard());
  }

  /** The group requests route by at {@code r}'s stage. */
  static List<Integer> current(ShardLayout full, Wire.Resharding r) {
    return r.stage() == Wire.ReshardStage.SWITCHED ? after(full, r) : before(full, r);
  }

  /**
   * The layout requests route by: {@code full} (every live shard) less the shard that is not part
   * of the group at this stage (the one being added before the switch, the one being removed after
   * it).
   */
  static ShardLayout routing(ShardLayout full, Wire.Resharding r) {
    if (r == null) {
      return full;
    }
    boolean outside = r.up() != (r.stage() == Wire.ReshardStage.SWITCHED);
    if (!outside || !full.shards().containsKey(r.shard())) {
      return full;
    }
    return full.without(r.shard());
  }

  /** The condition a read of {@code shard} (of the current group) carries, or null for none. */
  static Condition.InShard owned(ShardLayout full, Wire.Resharding r, int shard) {
    if (r == null) {
      return null;
    }
    List<Integer> g = current(full, r);
    int at = g.indexOf(shard);
    return at < 0 ? null : new Condition.InShard(full.routing(), g.size(), at);
  }

  /** The shard {@code id} lives in within {@code group}. */
  static int owner(PointRouting routing, List<Integer> group, PointId id) {
    return group.get(routing.shardOf(id, group.size()));
  }

  /** Whether {@code id} changes shard. */
  static boolean moves(
      PointRouting routing, List<Integer> before, List<Integer> after, PointId id) {
    return owner(routing, before, id) != owner(routing, after, id);
  }

  /**
   * Whether {@code part}, sent to a shard of {@code before}, may touch a point that moves: any of
   * its ids that does, or any selection by filter (which may match one).
   */
  static boolean touchesMoving(
      PointRouting routing, UpdateOp part, List<Integer> before, List<Integer> after) {
    List<PointId> ids =
        switch (part) {
          case UpdateOp.Upsert u -> u.points().stream().map(Point::id).toList();
          case UpdateOp.UpdateVectors u -> u.points().stream().map(Point::id).toList();
          case UpdateOp.DeletePoints d -> d.ids();
          case UpdateOp.DeleteByFilter f -> null;
          case UpdateOp.SetPayload sp -> ids(sp.selector());
          case UpdateOp.OverwritePayload o -> ids(o.selector());
          case UpdateOp.DeletePayload dp -> ids(dp.selector());
          case UpdateOp.ClearPayload c -> ids(c.selector());
          case UpdateOp.DeleteVectors dv -> ids(dv.selector());
        };
    if (ids == null) {
      return true;
    }
    for (PointId id : ids) {
      if (moves(routing, before, after, id)) {
        return true;
      }
    }
    return false;
  }

  private static List<PointId> ids(PointSelector selector) {
    return selector instanceof PointSelector.Ids ids ? ids.ids() : null;
  }

  /**
   * The holders of a shard added to {@code p}: {@code count} peers, {@code asked} first (when not
   * null), then those holding the fewest of the collection's replicas (lowest id first).
   */
  static List<Long> newShardHolders(
      MetaStateMachine.Placement p, Set<Long> peers, Long asked, int count) {
    Map<Long, Integer> held = new TreeMap<>();
    for (long peer : peers) {
      held.put(peer, 0);
    }
    for (List<Long> holders : p.replicas()) {
      for (long peer : holders) {
        held.computeIfPresent(peer, (k, n) -> n + 1);
      }
    }
    List<Long> order = new ArrayList<>(held.keySet());
    order.sort(Comparator.comparing((Long peer) -> held.get(peer)).thenComparing(peer -> peer));
    List<Long> out = new ArrayList<>();
    if (asked != null) {
      out.add(asked);
    }
    for (long peer : order) {
      if (out.size() >= Math.max(1, count)) {
        break;
      }
      if (!out.contains(peer)) {
        out.add(peer);
      }
    }
    return List.copyOf(out);
  }

  /** Refuses a stage change the resharding cannot make. */
  static void checkStep(Wire.ReshardStage from, Wire.ReshardStage to) {
    if (from == Wire.ReshardStage.MIGRATING && to != Wire.ReshardStage.MIGRATING) {
      return;
    }
    if (from == Wire.ReshardStage.SWITCHED && to == Wire.ReshardStage.ABORTING) {
      throw new StorageException.BadRequest(
          "Resharding cannot be aborted any more: requests already use the new shards; it"
              + " finishes instead");
    }
    throw new StorageException.BadRequest("Resharding cannot go from " + from + " to " + to);
  }

  private static List<Integer> without(List<Integer> group, int shard) {
    List<Integer> out = new ArrayList<>(group);
    out.remove(Integer.valueOf(shard));
    return List.copyOf(out);
  }
}
