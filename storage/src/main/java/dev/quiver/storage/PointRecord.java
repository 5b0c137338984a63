package dev.quiver.storage;

import java.util.Map;

/** A point read back by id. {@code payload} and {@code vectors} are null when not requested. */
public record PointRecord(
    PointId id, Value.Struct payload, Map<String, float[]> vectors, ShardKey shardKey) {

  /** A point of a shard without a key (auto sharding, or before the key is attached). */
  public PointRecord(PointId id, Value.Struct payload, Map<String, float[]> vectors) {
    this(id, payload, vectors, null);
  }

  /** The same point, found in a shard of {@code key}. */
  public PointRecord withShardKey(ShardKey key) {
    return new PointRecord(id, payload, vectors, key);
  }
}
