package dev.quiver.server;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.OptimizersConfig;

/**
 * An update-collection request ({@code PATCH /collections/{name}}, gRPC {@code Update}) as both
 * edges decode it: every field left null keeps its current value.
 */
public record CollectionUpdate(
    OptimizersDiff optimizers,
    CreateCollection.HnswDiff hnsw,
    Integer replicationFactor,
    Integer writeConsistencyFactor,
    Boolean onDiskPayload) {

  /** Changes to optimizer settings; null fields keep their value. */
  public record OptimizersDiff(
      Double deletedThreshold,
      Integer vacuumMinVectorNumber,
      Integer defaultSegmentNumber,
      Integer maxSegmentSize,
      Integer indexingThreshold,
      Integer flushIntervalSec,
      Integer maxOptimizationThreads) {

    OptimizersConfig over(OptimizersConfig d) {
      return new OptimizersConfig(
          deletedThreshold == null ? d.deletedThreshold() : deletedThreshold,
          vacuumMinVectorNumber == null ? d.vacuumMinVectorNumber() : vacuumMinVectorNumber,
          defaultSegmentNumber == null ? d.defaultSegmentNumber() : defaultSegmentNumber,
          maxSegmentSize == null ? d.maxSegmentSize() : maxSegmentSize,
          indexingThreshold == null ? d.indexingThreshold() : indexingThreshold,
          flushIntervalSec == null ? d.flushIntervalSec() : flushIntervalSec,
          maxOptimizationThreads == null ? d.maxOptimizationThreads() : maxOptimizationThreads);
    }
  }

  /** The configuration {@code c} becomes. */
  public CollectionConfig apply(CollectionConfig c) {
    return new CollectionConfig(
        c.vectors(),
        c.shardNumber(),
        replicationFactor == null ? c.replicationFactor() : replicationFactor,
        writeConsistencyFactor == null ? c.writeConsistencyFactor() : writeConsistencyFactor,
        onDiskPayload == null ? c.onDiskPayload() : onDiskPayload,
        hnsw == null ? c.hnsw() : hnsw.over(c.hnsw()),
        optimizers == null ? c.optimizers() : optimizers.over(c.optimizers()),
        c.wal(),
        c.shardingMethod());
  }
}
