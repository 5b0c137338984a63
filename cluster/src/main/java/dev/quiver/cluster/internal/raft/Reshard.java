package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ShardSelector;
import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.cluster.internal.ShardRouting;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a running resharding means for routing. Within a group a point lives in shard {@code
 * routing.shardOf(id, size)} of the group's ascending shard ids, so adding the last shard or
 * removing it changes the shard of some points: most of them with {@link PointRouting#MODULO}, only
 * those of the added or removed shard with {@link PointRouting#JUMP}. Those points move one part at
 * a time ({@link PointRouting#partOf}): a point of a part that has moved lives in its new shard,
 * any other in its old one; while a part is frozen its moving points are copied and writes touching
 * them wait. Here: the group before and after, the shard each point lives in at each stage, the
 * shards reads and writes go to, and the condition that makes a shard's reads see only its own
 * points (a moving point exists in two shards until the old copy is deleted). Stateless (static
 * functions of immutable values), so thread-safe.
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

  /** Whether points live in both groups: some parts have moved, not all. */
  private static boolean mixed(Wire.Resharding r) {
    return r.stage() == Wire.ReshardStage.MIGRATING && r.done() > 0;
  }

  /** The shards that hold points of the group at {@code r}'s stage: reads go to these. */
  static List<Integer> current(ShardLayout full, Wire.Resharding r) {
    if (mixed(r)) {
      return group(full, r.key());
    }
    return r.stage() == Wire.ReshardStage.SWITCHED ? after(full, r) : before(full, r);
  }

  /**
   * The layout requests see: {@code full} (every live shard) less the shard that holds none of the
   * group's points at this stage (the one being added before any part has moved to it, the one
   * being removed once none is left in it).
   */
  static ShardLayout routing(ShardLayout full, Wire.Resharding r) {
    if (r == null) {
      return full;
    }
    List<Integer> current = current(full, r);
    if (current.contains(r.shard()) || !full.shards().containsKey(r.shard())) {
      return full;
    }
    return full.without(r.shard());
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

  /** The shard {@code id} lives in at {@code r}'s stage. */
  static int owner(ShardLayout full, Wire.Resharding r, PointId id) {
    boolean moved =
        r.stage() == Wire.ReshardStage.SWITCHED
            || (r.stage() == Wire.ReshardStage.MIGRATING
                && PointRouting.partOf(id, r.parts()) < r.done());
    return owner(full.routing(), moved ? after(full, r) : before(full, r), id);
  }

  /**
   * The condition a read of {@code shard} carries so that it sees only the points living in it, or
   * null for none (no resharding, or a shard outside the group).
   */
  static Condition owned(ShardLayout full, Wire.Resharding r, int shard) {
    if (r == null || !current(full, r).contains(shard)) {
      return null;
    }
    PointRouting routing = full.routing();
    List<Integer> before = before(full, r);
    List<Integer> after = after(full, r);
    if (!mixed(r)) {
      List<Integer> g = r.stage() == Wire.ReshardStage.SWITCHED ? after : before;
      return new Condition.InShard(routing, g.size(), g.indexOf(shard));
    }
    List<Condition> either = new ArrayList<>();
    if (after.contains(shard)) {
      either.add(
          both(
              new Condition.InPart(r.parts(), 0, r.done()),
              new Condition.InShard(routing, after.size(), after.indexOf(shard))));
    }
    if (before.contains(shard)) {
      either.add(
          both(
              new Condition.InPart(r.parts(), r.done(), r.parts()),
              new Condition.InShard(routing, before.size(), before.indexOf(shard))));
    }
    return either.size() == 1
        ? either.getFirst()
        : new Condition.Sub(new Filter(List.of(), either, List.of(), null));
  }

  private static Condition both(Condition a, Condition b) {
    return new Condition.Sub(new Filter(List.of(a, b), List.of(), List.of(), null));
  }

  /**
   * The op for each shard an update touches. While parts have moved and others not, the group's
   * points go to the shard they live in now (filter selections to every shard of the group);
   * otherwise as {@link #routing} lays the shards out.
   */
  static Map<Integer, UpdateOp> route(
      ShardLayout full, Wire.Resharding r, UpdateOp op, ShardSelector selector) {
    if (r == null || !mixed(r)) {
      return routing(full, r).route(op, selector);
    }
    List<Integer> resharded = group(full, r.key());
    Map<Integer, UpdateOp> out = new LinkedHashMap<>();
    for (List<Integer> g : full.groups(selector, op instanceof UpdateOp.Upsert)) {
      if (g.equals(resharded)) {
        ShardRouting.split(op, g.size(), id -> g.indexOf(owner(full, r, id)))
            .forEach((i, part) -> out.put(g.get(i), part));
      } else {
        ShardRouting.split(op, g.size(), full.routing())
            .forEach((i, part) -> out.put(g.get(i), part));
      }
    }
    return out;
  }

  /**
   * Whether {@code op} must wait: a part is frozen (being copied) and the op may touch one of its
   * moving points (one of its ids does, or it selects by filter, which may match one).
   */
  static boolean waits(ShardLayout full, Wire.Resharding r, UpdateOp op) {
    if (r == null || r.stage() != Wire.ReshardStage.MIGRATING || !r.frozen()) {
      return false;
    }
    List<PointId> ids =
        switch (op) {
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
    List<Integer> before = before(full, r);
    List<Integer> after = after(full, r);
    for (PointId id : ids) {
      if (PointRouting.partOf(id, r.parts()) == r.done()
          && moves(full.routing(), before, after, id)) {
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

  /**
   * The resharding after {@code entry}, or a refusal: within the migration a part is frozen, then
   * marked moved (the next part after it) or thawed (unmoved, to be frozen again), the last one
   * moved by the switch; an abort only before any part has moved; nothing back from the switch.
   */
  static Wire.Resharding step(Wire.Resharding running, Wire.ReshardingStage entry) {
    Wire.ReshardStage from = running.stage();
    Wire.ReshardStage to = entry.stage();
    if (from == to
        && (to != Wire.ReshardStage.MIGRATING
            || (entry.done() == running.done() && entry.frozen() == running.frozen()))) {
      return running; // again: no change
    }
    if (from == Wire.ReshardStage.MIGRATING) {
      switch (to) {
        case MIGRATING -> {
          boolean freeze = !running.frozen() && entry.frozen() && entry.done() == running.done();
          boolean moved = running.frozen() && !entry.frozen() && entry.done() == running.done() + 1;
          // a part thawed before its copy (a peer did not answer): its points stay where they are
          boolean thaw = running.frozen() && !entry.frozen() && entry.done() == running.done();
          if ((freeze || moved || thaw) && entry.done() < running.parts()) {
            return running.at(to, entry.done(), entry.frozen());
          }
        }
        case SWITCHED -> {
          if (running.frozen() && running.done() == running.parts() - 1) {
            return running.at(to, running.done(), false);
          }
        }
        case ABORTING -> {
          if (running.done() == 0) {
            return running.at(to, 0, false);
          }
          throw new StorageException.BadRequest(
              "Resharding cannot be aborted any more: "
                  + running.done()
                  + " of its "
                  + running.parts()
                  + " parts already live in their new shards; it finishes instead");
        }
      }
    }
    if (from == Wire.ReshardStage.SWITCHED && to == Wire.ReshardStage.ABORTING) {
      throw new StorageException.BadRequest(
          "Resharding cannot be aborted any more: requests already use the new shards; it"
              + " finishes instead");
    }
    throw new StorageException.BadRequest(
        "Resharding cannot go from "
            + describe(from, running.done(), running.frozen())
            + " to "
            + describe(to, entry.done(), entry.frozen()));
  }

  private static String describe(Wire.ReshardStage stage, int done, boolean frozen) {
    return stage == Wire.ReshardStage.MIGRATING
        ? stage + " (part " + done + (frozen ? ", frozen" : "") + ")"
        : stage.toString();
  }

  private static List<Integer> without(List<Integer> group, int shard) {
    List<Integer> out = new ArrayList<>(group);
    out.remove(Integer.valueOf(shard));
    return List.copyOf(out);
  }
}
