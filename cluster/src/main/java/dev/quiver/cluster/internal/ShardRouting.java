package dev.quiver.cluster.internal;

import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.UpdateOp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Which shard a point lives in: a stable hash of its id modulo the shard count, the same on every
 * node and across restarts (never {@code Object.hashCode}). Splits an update into one op per shard.
 * Stateless (static methods only), so thread-safe.
 */
public final class ShardRouting {
  private ShardRouting() {}

  /** The shard of {@code id} among {@code shards}. */
  public static int shardOf(PointId id, int shards) {
    return PointId.shardOf(id, shards);
  }

  /**
   * The op for each shard it touches: points and listed ids go to their shard; filter selectors go
   * to every shard, each of which evaluates the filter on its own points.
   */
  public static Map<Integer, UpdateOp> split(UpdateOp op, int shards) {
    if (shards == 1) {
      return Map.of(0, op);
    }
    return switch (op) {
      case UpdateOp.Upsert u ->
          byShard(
              u.points(),
              Point::id,
              shards,
              part -> new UpdateOp.Upsert(part, u.mode(), u.updateFilter()));
      case UpdateOp.DeletePoints d ->
          byShard(d.ids(), Function.identity(), shards, UpdateOp.DeletePoints::new);
      case UpdateOp.DeleteByFilter f -> everyShard(op, shards);
      case UpdateOp.SetPayload sp ->
          bySelector(
              op, sp.selector(), shards, s -> new UpdateOp.SetPayload(s, sp.payload(), sp.key()));
      case UpdateOp.OverwritePayload o ->
          bySelector(op, o.selector(), shards, s -> new UpdateOp.OverwritePayload(s, o.payload()));
      case UpdateOp.DeletePayload dp ->
          bySelector(op, dp.selector(), shards, s -> new UpdateOp.DeletePayload(s, dp.keys()));
      case UpdateOp.ClearPayload c ->
          bySelector(op, c.selector(), shards, UpdateOp.ClearPayload::new);
      case UpdateOp.UpdateVectors u ->
          byShard(
              u.points(),
              Point::id,
              shards,
              part -> new UpdateOp.UpdateVectors(part, u.updateFilter()));
      case UpdateOp.DeleteVectors dv ->
          bySelector(op, dv.selector(), shards, s -> new UpdateOp.DeleteVectors(s, dv.names()));
    };
  }

  private static Map<Integer, UpdateOp> bySelector(
      UpdateOp op, PointSelector selector, int shards, Function<PointSelector, UpdateOp> make) {
    if (selector instanceof PointSelector.Ids ids) {
      return byShard(
          ids.ids(), Function.identity(), shards, l -> make.apply(new PointSelector.Ids(l)));
    }
    return everyShard(op, shards);
  }

  private static Map<Integer, UpdateOp> everyShard(UpdateOp op, int shards) {
    Map<Integer, UpdateOp> all = new LinkedHashMap<>();
    for (int s = 0; s < shards; s++) {
      all.put(s, op);
    }
    return all;
  }

  private static <T> Map<Integer, UpdateOp> byShard(
      List<T> items, Function<T, PointId> id, int shards, Function<List<T>, UpdateOp> make) {
    Map<Integer, List<T>> groups = new LinkedHashMap<>();
    for (T item : items) {
      groups.computeIfAbsent(shardOf(id.apply(item), shards), k -> new ArrayList<>()).add(item);
    }
    Map<Integer, UpdateOp> ops = new LinkedHashMap<>();
    groups.forEach((shard, list) -> ops.put(shard, make.apply(list)));
    return ops;
  }
}
