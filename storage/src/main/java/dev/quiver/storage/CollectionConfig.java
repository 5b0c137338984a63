package dev.quiver.storage;

import java.util.Map;
import java.util.Objects;

/**
 * The full configuration of a collection. A collection with a single unnamed vector has exactly one
 * entry in {@code vectors}, under {@link #DEFAULT_VECTOR}; named vectors use their names. {@code
 * metadata} is the application's JSON object kept with the collection, {@code strictMode} its
 * {@code strict_mode_config} as set (each null when none), {@code quantization} the collection's
 * {@code quantization_config} (null when none; never {@link Quantization.Disabled}). Immutable.
 */
public record CollectionConfig(
    Map<String, VectorParams> vectors,
    int shardNumber,
    int replicationFactor,
    int writeConsistencyFactor,
    boolean onDiskPayload,
    HnswConfig hnsw,
    OptimizersConfig optimizers,
    WalConfig wal,
    ShardingMethod shardingMethod,
    Map<String, SparseVectorParams> sparseVectors,
    Value.Struct metadata,
    Value.Struct strictMode,
    Quantization quantization,
    PointRouting routing) {

  /** The name of the unnamed vector, as in Qdrant. */
  public static final String DEFAULT_VECTOR = "";

  public CollectionConfig {
    vectors = Map.copyOf(Objects.requireNonNull(vectors, "vectors"));
    sparseVectors = Map.copyOf(Objects.requireNonNull(sparseVectors, "sparseVectors"));
    for (String name : vectors.keySet()) {
      requireValidName(name);
    }
    for (String name : sparseVectors.keySet()) {
      requireValidName(name);
      if (vectors.containsKey(name) || name.isEmpty()) {
        throw new IllegalArgumentException(
            "sparse vector name `" + name + "` is also a dense vector's name");
      }
    }
    Objects.requireNonNull(hnsw, "hnsw");
    Objects.requireNonNull(optimizers, "optimizers");
    Objects.requireNonNull(wal, "wal");
    Objects.requireNonNull(shardingMethod, "shardingMethod");
    Objects.requireNonNull(routing, "routing");
    if (vectors.size() > 1 && vectors.containsKey(DEFAULT_VECTOR)) {
      throw new IllegalArgumentException("the unnamed vector cannot be mixed with named vectors");
    }
    if (quantization instanceof Quantization.Disabled) {
      throw new IllegalArgumentException("Disabled is an update, not a quantization");
    }
    if (shardNumber < 1 || replicationFactor < 1 || writeConsistencyFactor < 1) {
      throw new IllegalArgumentException(
          "shard_number, replication_factor and write_consistency_factor must be >= 1");
    }
  }

  private static void requireValidName(String name) {
    String problem = VectorNames.problem(name);
    if (problem != null) {
      throw new IllegalArgumentException("vector name: " + problem);
    }
  }

  /** Without a collection-level quantization. */
  public CollectionConfig(
      Map<String, VectorParams> vectors,
      int shardNumber,
      int replicationFactor,
      int writeConsistencyFactor,
      boolean onDiskPayload,
      HnswConfig hnsw,
      OptimizersConfig optimizers,
      WalConfig wal,
      ShardingMethod shardingMethod,
      Map<String, SparseVectorParams> sparseVectors,
      Value.Struct metadata,
      Value.Struct strictMode) {
    this(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparseVectors,
        metadata,
        strictMode,
        null);
  }

  /** Routed by {@link PointRouting#MODULO}, as collections made before another routing existed. */
  public CollectionConfig(
      Map<String, VectorParams> vectors,
      int shardNumber,
      int replicationFactor,
      int writeConsistencyFactor,
      boolean onDiskPayload,
      HnswConfig hnsw,
      OptimizersConfig optimizers,
      WalConfig wal,
      ShardingMethod shardingMethod,
      Map<String, SparseVectorParams> sparseVectors,
      Value.Struct metadata,
      Value.Struct strictMode,
      Quantization quantization) {
    this(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparseVectors,
        metadata,
        strictMode,
        quantization,
        PointRouting.MODULO);
  }

  /** The same configuration routing its points by {@code next}. */
  public CollectionConfig withRouting(PointRouting next) {
    return new CollectionConfig(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparseVectors,
        metadata,
        strictMode,
        quantization,
        next);
  }

  /** The same configuration with {@code next} shards (a resharding changed their number). */
  public CollectionConfig withShardNumber(int next) {
    return new CollectionConfig(
        vectors,
        next,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparseVectors,
        metadata,
        strictMode,
        quantization,
        routing);
  }

  /** The same configuration with {@code next} as its collection-level quantization (null: none). */
  public CollectionConfig withQuantization(Quantization next) {
    return new CollectionConfig(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparseVectors,
        metadata,
        strictMode,
        next,
        routing);
  }

  /** The same configuration with {@code next} as its dense vectors. */
  public CollectionConfig withVectors(Map<String, VectorParams> next) {
    return new CollectionConfig(
        next,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparseVectors,
        metadata,
        strictMode,
        quantization,
        routing);
  }

  /** The quantization in force for dense vector {@code name}, or null. */
  public Quantization quantizationOf(String name) {
    VectorParams p = vectors.get(name);
    return p == null ? null : p.quantizationOr(quantization);
  }

  /** A collection without metadata or strict mode settings. */
  public CollectionConfig(
      Map<String, VectorParams> vectors,
      int shardNumber,
      int replicationFactor,
      int writeConsistencyFactor,
      boolean onDiskPayload,
      HnswConfig hnsw,
      OptimizersConfig optimizers,
      WalConfig wal,
      ShardingMethod shardingMethod,
      Map<String, SparseVectorParams> sparseVectors) {
    this(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparseVectors,
        null,
        null,
        null);
  }

  /** The same configuration with {@code next} as its metadata (null: none). */
  public CollectionConfig withMetadata(Value.Struct next) {
    return new CollectionConfig(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparseVectors,
        next,
        strictMode,
        quantization,
        routing);
  }

  /** The same configuration with {@code next} as its strict mode settings (null: none). */
  public CollectionConfig withStrictMode(Value.Struct next) {
    return new CollectionConfig(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparseVectors,
        metadata,
        next,
        quantization,
        routing);
  }

  /** A collection without sparse vectors. */
  public CollectionConfig(
      Map<String, VectorParams> vectors,
      int shardNumber,
      int replicationFactor,
      int writeConsistencyFactor,
      boolean onDiskPayload,
      HnswConfig hnsw,
      OptimizersConfig optimizers,
      WalConfig wal,
      ShardingMethod shardingMethod) {
    this(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        Map.of());
  }

  /** The same configuration with {@code sparse} as its sparse vectors. */
  public CollectionConfig withSparseVectors(Map<String, SparseVectorParams> sparse) {
    return new CollectionConfig(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        shardingMethod,
        sparse,
        metadata,
        strictMode,
        quantization,
        routing);
  }

  /**
   * How vector {@code name}'s scores order: its distance, or {@link Distance#DOT} for a sparse
   * vector (scored by dot product, larger is better).
   *
   * @throws StorageException.BadInput when the collection has no such vector
   */
  public Distance distanceOf(String name) {
    VectorParams dense = vectors.get(name);
    if (dense != null) {
      return dense.distance();
    }
    if (sparseVectors.containsKey(name)) {
      return Distance.DOT;
    }
    throw new StorageException.BadInput("Not existing vector name error: " + name);
  }

  /** Whether {@code name} is a dense or a sparse vector of the collection. */
  public boolean hasVector(String name) {
    return vectors.containsKey(name) || sparseVectors.containsKey(name);
  }

  /** A collection with {@link ShardingMethod#AUTO} sharding. */
  public CollectionConfig(
      Map<String, VectorParams> vectors,
      int shardNumber,
      int replicationFactor,
      int writeConsistencyFactor,
      boolean onDiskPayload,
      HnswConfig hnsw,
      OptimizersConfig optimizers,
      WalConfig wal) {
    this(
        vectors,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        ShardingMethod.AUTO,
        Map.of());
  }

  /**
   * Refuses an update that changes what cannot change in place: the vectors (but for their
   * quantization, whose codes are trained again), the sharding method and the routing. The shard
   * count changes only by resharding, which no update request can ask for.
   */
  public void checkUpdate(CollectionConfig next) {
    boolean kept = true;
    for (var e : vectors.entrySet()) {
      VectorParams now = next.vectors().get(e.getKey());
      kept &= now == null || now.withQuantization(null).equals(e.getValue().withQuantization(null));
    }
    if (!kept || next.shardingMethod() != shardingMethod || next.routing() != routing) {
      throw new StorageException.BadInput(
          "the vectors' parameters and sharding_method of a collection cannot change (named"
              + " vectors can be added and deleted; resharding changes the number of shards)");
    }
  }

  /** Whether points are placed by user-given shard keys. */
  public boolean customSharding() {
    return shardingMethod == ShardingMethod.CUSTOM;
  }

  /** True when the collection was created with the single unnamed vector form. */
  public boolean unnamedVector() {
    return vectors.size() == 1 && vectors.containsKey(DEFAULT_VECTOR);
  }
}
