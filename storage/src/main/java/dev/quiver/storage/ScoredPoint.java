package dev.quiver.storage;

import java.util.Map;

/**
 * One search result. {@code payload} and {@code vectors} are null when not requested; {@code
 * version} is the operation number that last wrote the point.
 */
public record ScoredPoint(
    PointId id,
    long version,
    float score,
    Value.Struct payload,
    Map<String, float[]> vectors,
    ShardKey shardKey) {

  /** A result of a shard without a key (auto sharding, or before the key is attached). */
  public ScoredPoint(
      PointId id, long version, float score, Value.Struct payload, Map<String, float[]> vectors) {
    this(id, version, score, payload, vectors, null);
  }

  /** The same result, found in a shard of {@code key}. */
  public ScoredPoint withShardKey(ShardKey key) {
    return new ScoredPoint(id, version, score, payload, vectors, key);
  }
}
