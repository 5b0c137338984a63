package dev.quiver.cluster.internal;

import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The shards of a collection and their keys, and which of them a request addresses. Requests go to
 * groups of shards: with auto sharding one group of every shard; with custom sharding one group per
 * selected key. Within a group a point lives in the shard its id hashes to ({@link ShardRouting}),
 * so an upsert with two keys writes the point once under each.
 *
 * @param shards shard id → its key (null with auto sharding), for the live shards
 * @param routing how a point's id picks its shard within a group
 */
public record ShardLayout(
    boolean custom, SortedMap<Integer, ShardKey> shards, PointRouting routing) {

  public ShardLayout {
    shards = Collections.unmodifiableSortedMap(new TreeMap<>(shards));
    Objects.requireNonNull(routing, "routing");
  }

  /** The same layout without {@code shard}. */
  public ShardLayout without(int shard) {
    var left = new TreeMap<>(shards);
    left.remove(shard);
    return new ShardLayout(custom, left, routing);
  }

  /** The keys with custom sharding, null with auto sharding. */
  public List<ShardKey> keysOrNull() {
    return custom ? keys() : null;
  }

  /** The keys that have shards, in order. */
  public List<ShardKey> keys() {
    return shards.values().stream().filter(Objects::nonNull).distinct().sorted().toList();
  }

  /** The shards of {@code key}, ascending. */
  public List<Integer> shardsOf(ShardKey key) {
    List<Integer> out = new ArrayList<>();
    shards.forEach(
        (id, k) -> {
          if (key.equals(k)) {
            out.add(id);
          }
        });
    return out;
  }

  /** Refuses a key that exists already, or any key with auto sharding. */
  public void checkNewKey(String collection, ShardKey key) {
    requireCustom();
    if (keys().contains(key)) {
      throw new StorageException.BadInput(
          "Shard key " + key + " already exists in collection " + collection);
    }
  }

  /** Refuses a key without shards, or any key with auto sharding. */
  public void checkExistingKey(ShardKey key) {
    requireCustom();
    if (!keys().contains(key)) {
      throw new StorageException.NotFound("Shard key " + key + " not found");
    }
  }

  private void requireCustom() {
    if (!custom) {
      throw new StorageException.BadInput(
          "Shard keys can only be used with collections created with sharding_method: custom");
    }
  }

  /**
   * The groups of shard ids {@code selector} addresses. An upsert into a custom-sharded collection
   * must name its key; naming a key of a collection with auto sharding, or a key without shards, is
   * an error.
   */
  public List<List<Integer>> groups(ShardSelector selector, boolean upsert) {
    if (!custom) {
      if (!selector.all()) {
        requireCustom();
      }
      return List.of(List.copyOf(shards.keySet()));
    }
    if (selector.all()) {
      if (upsert) {
        throw new StorageException.BadInput(
            "Shard key is required to write to a collection with sharding_method: custom");
      }
      return keys().stream().map(this::shardsOf).toList();
    }
    List<List<Integer>> groups = new ArrayList<>();
    for (ShardKey key : selector.keys()) {
      List<Integer> ids = shardsOf(key);
      if (ids.isEmpty() && selector.fallback() != null) {
        ids = shardsOf(selector.fallback());
        key = selector.fallback();
      }
      if (ids.isEmpty()) {
        throw new StorageException.NotFound("Shard key " + key + " not found");
      }
      if (!groups.contains(ids)) {
        groups.add(ids);
      }
    }
    return groups;
  }

  /** The op for each shard an update touches, by shard id. */
  public Map<Integer, UpdateOp> route(UpdateOp op, ShardSelector selector) {
    Map<Integer, UpdateOp> out = new LinkedHashMap<>();
    for (List<Integer> group : groups(selector, op instanceof UpdateOp.Upsert)) {
      ShardRouting.split(op, group.size(), routing)
          .forEach((i, part) -> out.put(group.get(i), part));
    }
    return out;
  }
}
