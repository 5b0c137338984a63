package dev.quiver.storage;

/**
 * How a collection's points are spread over its shards: {@code AUTO} by a hash of the point id over
 * all shards; {@code CUSTOM} by a user-given {@link ShardKey}, each key owning {@code shard_number}
 * shards (hashed by id among them), created and dropped by the user.
 */
public enum ShardingMethod {
  AUTO,
  CUSTOM
}
