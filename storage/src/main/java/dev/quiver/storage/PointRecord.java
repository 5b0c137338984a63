package dev.quiver.storage;

import java.util.Map;

/**
 * A point read back by id. {@code payload} is null when not requested; {@code vectors}, {@code
 * sparseVectors} and {@code multiVectors} are null when vectors were not requested (the sparse and
 * multivector maps may also be null on their own: none to show).
 */
public record PointRecord(
    PointId id,
    Value.Struct payload,
    Map<String, float[]> vectors,
    ShardKey shardKey,
    Map<String, SparseVector> sparseVectors,
    Map<String, float[][]> multiVectors) {

  /** A point without multivectors. */
  public PointRecord(
      PointId id,
      Value.Struct payload,
      Map<String, float[]> vectors,
      ShardKey shardKey,
      Map<String, SparseVector> sparseVectors) {
    this(id, payload, vectors, shardKey, sparseVectors, null);
  }

  /** A point without sparse vectors. */
  public PointRecord(
      PointId id, Value.Struct payload, Map<String, float[]> vectors, ShardKey shardKey) {
    this(id, payload, vectors, shardKey, null);
  }

  /** A point of a shard without a key (auto sharding, or before the key is attached). */
  public PointRecord(PointId id, Value.Struct payload, Map<String, float[]> vectors) {
    this(id, payload, vectors, null, null);
  }

  /** The same point, found in a shard of {@code key}. */
  public PointRecord withShardKey(ShardKey key) {
    return new PointRecord(id, payload, vectors, key, sparseVectors, multiVectors);
  }

  /**
   * The point to write again as it was read (read with its payload and every vector, so nothing is
   * left out).
   */
  public Point asPoint() {
    return new Point(id, vectors, sparseVectors, payload, multiVectors);
  }

  /** The same point with {@code sparse} as its sparse vectors. */
  public PointRecord withSparseVectors(Map<String, SparseVector> sparse) {
    return new PointRecord(id, payload, vectors, shardKey, sparse, multiVectors);
  }
}
