package dev.quiver.cluster.internal;

import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.UpdateOp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Splits an update into one op per shard of a group, each point to the shard its collection's
 * {@link PointRouting} picks. Stateless (static methods only), so thread-safe.
 */
public final class ShardRouting {
  private ShardRouting() {}

  /**
   * The op for each shard it touches: points and listed ids go to their shard; filter selectors go
   * to every shard, each of which evaluates the filter on its own points.
   */
  public static Map<Integer, UpdateOp> split(UpdateOp op, int shards, PointRouting routing) {
    return split(op, shards, id -> routing.shardOf(id, shards));
  }

  /**
   * As above, each point to the shard {@code indexOf} gives (0 to {@code shards} - 1): the rule of
   * a group that a resharding is changing.
   */
  public static Map<Integer, UpdateOp> split(
      UpdateOp op, int shards, ToIntFunction<PointId> indexOf) {
    if (shards == 1) {
      return Map.of(0, op);
    }
    return switch (op) {
      case UpdateOp.Upsert u ->
          byShard(
              u.points(),
              Point::id,
              indexOf,
              part -> new UpdateOp.Upsert(part, u.mode(), u.updateFilter()));
      case UpdateOp.DeletePoints d ->
          byShard(d.ids(), Function.identity(), indexOf, UpdateOp.DeletePoints::new);
      case UpdateOp.DeleteByFilter f -> everyShard(op, shards);
      case UpdateOp.SetPayload sp ->
          bySelector(
              op,
              sp.selector(),
              shards,
              indexOf,
              s -> new UpdateOp.SetPayload(s, sp.payload(), sp.key()));
      case UpdateOp.OverwritePayload o ->
          bySelector(
              op,
              o.selector(),
              shards,
              indexOf,
              s -> new UpdateOp.OverwritePayload(s, o.payload()));
      case UpdateOp.DeletePayload dp ->
          bySelector(
              op, dp.selector(), shards, indexOf, s -> new UpdateOp.DeletePayload(s, dp.keys()));
      case UpdateOp.ClearPayload c ->
          bySelector(op, c.selector(), shards, indexOf, UpdateOp.ClearPayload::new);
      case UpdateOp.UpdateVectors u ->
          byShard(
              u.points(),
              Point::id,
              indexOf,
              part -> new UpdateOp.UpdateVectors(part, u.updateFilter()));
      case UpdateOp.DeleteVectors dv ->
          bySelector(
              op, dv.selector(), shards, indexOf, s -> new UpdateOp.DeleteVectors(s, dv.names()));
    };
  }

  private static Map<Integer, UpdateOp> bySelector(
      UpdateOp op,
      PointSelector selector,
      int shards,
      ToIntFunction<PointId> indexOf,
      Function<PointSelector, UpdateOp> make) {
    if (selector instanceof PointSelector.Ids ids) {
      return byShard(
          ids.ids(), Function.identity(), indexOf, l -> make.apply(new PointSelector.Ids(l)));
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
      List<T> items,
      Function<T, PointId> id,
      ToIntFunction<PointId> indexOf,
      Function<List<T>, UpdateOp> make) {
    Map<Integer, List<T>> groups = new LinkedHashMap<>();
    for (T item : items) {
      groups.computeIfAbsent(indexOf.applyAsInt(id.apply(item)), k -> new ArrayList<>()).add(item);
    }
    Map<Integer, UpdateOp> ops = new LinkedHashMap<>();
    groups.forEach((shard, list) -> ops.put(shard, make.apply(list)));
    return ops;
  }
}
