package dev.quiver.storage;

import java.util.Map;

/**
 * One search result. {@code payload} and {@code vectors} are null when not requested; {@code
 * version} is the operation number that last wrote the point; {@code orderValue} is the payload
 * value a query ordered by ({@code Value.Int} or {@code Value.Double}), else null.
 */
public record ScoredPoint(
    PointId id,
    long version,
    float score,
    Value.Struct payload,
    Map<String, float[]> vectors,
    ShardKey shardKey,
    Value orderValue) {

  /** A result of a shard of {@code shardKey} (null: none), not ordered by a payload value. */
  public ScoredPoint(
      PointId id,
      long version,
      float score,
      Value.Struct payload,
      Map<String, float[]> vectors,
      ShardKey shardKey) {
    this(id, version, score, payload, vectors, shardKey, null);
  }

  /** A result of a shard without a key (auto sharding, or before the key is attached). */
  public ScoredPoint(
      PointId id, long version, float score, Value.Struct payload, Map<String, float[]> vectors) {
    this(id, version, score, payload, vectors, null);
  }

  /** The same result with another score (re-ranked by a query). */
  public ScoredPoint withScore(float newScore) {
    return new ScoredPoint(id, version, newScore, payload, vectors, shardKey, orderValue);
  }

  /** The same result, found in a shard of {@code key}. */
  public ScoredPoint withShardKey(ShardKey key) {
    return new ScoredPoint(id, version, score, payload, vectors, key, orderValue);
  }
}
