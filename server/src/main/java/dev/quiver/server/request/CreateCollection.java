package dev.quiver.server.request;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.HnswDiff;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.ShardingMethod;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorNames;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * A create-collection request as both edges decode it: the vectors, and every optional setting left
 * null when not given. {@link CollectionDefaults#resolve} fills the gaps.
 */
public record CreateCollection(
    Map<String, VectorParams> vectors,
    Integer shardNumber,
    ShardingMethod shardingMethod,
    Integer replicationFactor,
    Integer writeConsistencyFactor,
    Boolean onDiskPayload,
    HnswDiff hnsw,
    CollectionUpdate.OptimizersDiff optimizers,
    WalDiff wal,
    Map<String, HnswDiff> vectorHnsw,
    Map<String, SparseVectorParams> sparseVectors,
    Value.Struct metadata,
    Value.Struct strictMode,
    Quantization quantization) {

  /**
   * {@code vectorHnsw}: a vector's own {@code hnsw_config}, over the collection's; {@code
   * metadata}: the application's JSON object, or null; {@code strictMode}: the checked {@code
   * strict_mode_config}, or null; {@code quantization}: the collection's {@code
   * quantization_config}, or null (each vector's own is in its parameters).
   */
  public CreateCollection {
    vectors = Map.copyOf(vectors);
    vectorHnsw = Map.copyOf(vectorHnsw);
    sparseVectors = Map.copyOf(sparseVectors);
    for (String name : vectors.keySet()) {
      checkName("vectors", name);
    }
    for (String name : sparseVectors.keySet()) {
      checkName("sparse_vectors", name);
      if (vectors.containsKey(name) || name.isEmpty()) { // "" is the unnamed dense vector's
        throw new RequestException.Invalid(
            "body",
            "sparse_vectors." + name,
            "the name `" + name + "` is used by a dense vector too");
      }
    }
  }

  private static void checkName(String field, String name) {
    String problem = VectorNames.problem(name);
    if (problem != null) {
      throw new RequestException.Invalid("body", field, "vector name " + problem);
    }
  }

  /** Changes to the default WAL settings; null fields keep the default. */
  public record WalDiff(Integer walCapacityMb, Integer walSegmentsAhead, Integer walRetainClosed) {
    WalConfig over(WalConfig d) {
      return new WalConfig(
          walCapacityMb == null ? d.walCapacityMb() : walCapacityMb,
          walSegmentsAhead == null ? d.walSegmentsAhead() : walSegmentsAhead,
          walRetainClosed == null ? d.walRetainClosed() : walRetainClosed);
    }
  }

  /** The node-wide defaults for new collections, from the {@code storage} config section. */
  public record CollectionDefaults(
      int replicationFactor,
      int writeConsistencyFactor,
      boolean onDiskPayload,
      Boolean vectorsOnDisk,
      HnswConfig hnsw,
      OptimizersConfig optimizers,
      WalConfig wal) {

    /**
     * The full configuration of a new collection; {@code defaultShards} applies when the request
     * names no {@code shard_number} (1 on a single node, one per peer in a cluster, as in Qdrant).
     */
    public CollectionConfig resolve(CreateCollection r, int defaultShards) {
      HnswConfig collectionHnsw = r.hnsw() == null ? hnsw : r.hnsw().over(hnsw);
      var vectors = new HashMap<String, VectorParams>();
      r.vectors()
          .forEach(
              (k, v) -> {
                HnswDiff own = r.vectorHnsw().get(k);
                if (own != null) {
                  own.over(collectionHnsw); // checked as it will be used
                }
                vectors.put(
                    k,
                    new VectorParams(
                        v.size(),
                        v.distance(),
                        v.onDisk() != null ? v.onDisk() : vectorsOnDisk,
                        own,
                        v.multivector(),
                        v.datatype(),
                        v.quantization()));
              });
      return QuantizationSettings.checked(
          new CollectionConfig(
              vectors,
              r.shardNumber() != null
                  ? r.shardNumber()
                  : r.shardingMethod() == ShardingMethod.CUSTOM ? 1 : defaultShards,
              r.replicationFactor() == null ? replicationFactor : r.replicationFactor(),
              r.writeConsistencyFactor() == null
                  ? writeConsistencyFactor
                  : r.writeConsistencyFactor(),
              r.onDiskPayload() == null ? onDiskPayload : r.onDiskPayload(),
              collectionHnsw,
              r.optimizers() == null ? optimizers : r.optimizers().over(optimizers),
              r.wal() == null ? wal : r.wal().over(wal),
              r.shardingMethod() == null ? ShardingMethod.AUTO : r.shardingMethod(),
              r.sparseVectors(),
              r.metadata(),
              r.strictMode(),
              r.quantization(),
              PointRouting.JUMP));
    }
  }
}
