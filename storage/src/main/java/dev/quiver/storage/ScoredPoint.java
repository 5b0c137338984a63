package dev.quiver.storage;

import java.util.Map;

/**
 * One search result. {@code payload} and {@code vectors} are null when not requested ({@code
 * sparseVectors} and {@code multiVectors} may be null on their own: none to show); {@code version}
 * is the operation number that last wrote the point; {@code orderValue} is the payload value a
 * query ordered by ({@code Value.Int} or {@code Value.Double}), else null.
 */
public record ScoredPoint(
    PointId id,
    long version,
    float score,
    Value.Struct payload,
    Map<String, float[]> vectors,
    ShardKey shardKey,
    Value orderValue,
    Map<String, SparseVector> sparseVectors,
    Map<String, float[][]> multiVectors) {

  /** A result without multivectors. */
  public ScoredPoint(
      PointId id,
      long version,
      float score,
      Value.Struct payload,
      Map<String, float[]> vectors,
      ShardKey shardKey,
      Value orderValue,
      Map<String, SparseVector> sparseVectors) {
    this(id, version, score, payload, vectors, shardKey, orderValue, sparseVectors, null);
  }

  /** A result without sparse vectors. */
  public ScoredPoint(
      PointId id,
      long version,
      float score,
      Value.Struct payload,
      Map<String, float[]> vectors,
      ShardKey shardKey,
      Value orderValue) {
    this(id, version, score, payload, vectors, shardKey, orderValue, null);
  }

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
    return new ScoredPoint(
        id, version, newScore, payload, vectors, shardKey, orderValue, sparseVectors, multiVectors);
  }

  /** The same result, found in a shard of {@code key}. */
  public ScoredPoint withShardKey(ShardKey key) {
    return new ScoredPoint(
        id, version, score, payload, vectors, key, orderValue, sparseVectors, multiVectors);
  }

  /** The same result with {@code sparse} as its sparse vectors. */
  public ScoredPoint withSparseVectors(Map<String, SparseVector> sparse) {
    return new ScoredPoint(
        id, version, score, payload, vectors, shardKey, orderValue, sparse, multiVectors);
  }
}
