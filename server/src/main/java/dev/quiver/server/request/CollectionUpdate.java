package dev.quiver.server.request;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.HnswDiff;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorDatatype;
import dev.quiver.storage.VectorParams;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An update-collection request ({@code PATCH /collections/{name}}, gRPC {@code Update}) as both
 * edges decode it: every field left null keeps its current value; {@code metadata} merges into the
 * stored metadata key by key, a null value removing its key, and {@code strictMode} into the stored
 * strict mode settings field by field, as in Qdrant. {@code quantization} replaces the collection's
 * {@code quantization_config} ({@link Quantization.Disabled} removes it), {@code
 * vectorQuantization} a dense vector's own, by name.
 */
public record CollectionUpdate(
    OptimizersDiff optimizers,
    HnswDiff hnsw,
    Integer replicationFactor,
    Integer writeConsistencyFactor,
    Boolean onDiskPayload,
    Map<String, SparseDiff> sparseVectors,
    Value.Struct metadata,
    Value.Struct strictMode,
    Quantization quantization,
    Map<String, Quantization> vectorQuantization) {

  public CollectionUpdate {
    sparseVectors = sparseVectors == null ? Map.of() : Map.copyOf(sparseVectors);
    vectorQuantization = vectorQuantization == null ? Map.of() : Map.copyOf(vectorQuantization);
  }

  /** Changes to one sparse vector's parameters; null fields keep their value. */
  public record SparseDiff(
      Integer fullScanThreshold,
      Boolean onDisk,
      SparseVectorParams.Modifier modifier,
      SparseVectorParams.Memory memory,
      VectorDatatype datatype) {
    /** From checked parameters: what they set. */
    public static SparseDiff of(SparseVectorParams p) {
      return new SparseDiff(
          p.fullScanThreshold(), p.onDisk(), p.modifier(), p.memory(), p.datatype());
    }

    public SparseVectorParams over(SparseVectorParams d) {
      return new SparseVectorParams(
          fullScanThreshold == null ? d.fullScanThreshold() : fullScanThreshold,
          onDisk == null ? d.onDisk() : onDisk,
          modifier == null ? d.modifier() : modifier,
          memory == null ? d.memory() : memory,
          datatype == null ? d.datatype() : datatype);
    }
  }

  /**
   * Changes to optimizer settings; null fields keep their value, and {@link #AUTO_THREADS} in
   * {@code maxOptimizationThreads} (Qdrant's {@code "auto"}) returns it to the automatic choice.
   */
  public record OptimizersDiff(
      Double deletedThreshold,
      Integer vacuumMinVectorNumber,
      Integer defaultSegmentNumber,
      Integer maxSegmentSize,
      Integer indexingThreshold,
      Integer flushIntervalSec,
      Integer maxOptimizationThreads) {

    /** {@code max_optimization_threads: "auto"}: no fixed number (the configuration's null). */
    public static final int AUTO_THREADS = -1;

    OptimizersConfig over(OptimizersConfig d) {
      return new OptimizersConfig(
          deletedThreshold == null ? d.deletedThreshold() : deletedThreshold,
          vacuumMinVectorNumber == null ? d.vacuumMinVectorNumber() : vacuumMinVectorNumber,
          defaultSegmentNumber == null ? d.defaultSegmentNumber() : defaultSegmentNumber,
          maxSegmentSize == null ? d.maxSegmentSize() : maxSegmentSize,
          indexingThreshold == null ? d.indexingThreshold() : indexingThreshold,
          flushIntervalSec == null ? d.flushIntervalSec() : flushIntervalSec,
          maxOptimizationThreads == null
              ? d.maxOptimizationThreads()
              : maxOptimizationThreads == AUTO_THREADS ? null : maxOptimizationThreads);
    }
  }

  /**
   * The configuration {@code c} becomes.
   *
   * @throws StorageException.BadInput when a sparse vector to change does not exist
   */
  public CollectionConfig apply(CollectionConfig c) {
    Map<String, SparseVectorParams> sparse = new HashMap<>(c.sparseVectors());
    sparseVectors.forEach(
        (name, diff) -> {
          SparseVectorParams now = sparse.get(name);
          if (now == null) {
            throw new StorageException.BadInput("Not existing vector name error: " + name);
          }
          sparse.put(name, diff.over(now));
        });
    Map<String, VectorParams> vectors = new HashMap<>(c.vectors());
    vectorQuantization.forEach(
        (name, q) -> {
          VectorParams now = vectors.get(name);
          if (now == null) {
            throw new StorageException.BadInput("Not existing vector name error: " + name);
          }
          vectors.put(name, now.withQuantization(q instanceof Quantization.Disabled ? null : q));
        });
    return QuantizationSettings.checked(
        new CollectionConfig(
            vectors,
            c.shardNumber(),
            replicationFactor == null ? c.replicationFactor() : replicationFactor,
            writeConsistencyFactor == null ? c.writeConsistencyFactor() : writeConsistencyFactor,
            onDiskPayload == null ? c.onDiskPayload() : onDiskPayload,
            hnsw == null ? c.hnsw() : hnsw.over(c.hnsw()),
            optimizers == null ? c.optimizers() : optimizers.over(c.optimizers()),
            c.wal(),
            c.shardingMethod(),
            sparse,
            metadata == null ? c.metadata() : merged(c.metadata(), metadata),
            strictMode == null
                ? c.strictMode()
                : StrictModeSettings.merged(c.strictMode(), strictMode, "body"),
            quantization == null
                ? c.quantization()
                : quantization instanceof Quantization.Disabled ? null : quantization,
            c.routing()));
  }

  private static Value.Struct merged(Value.Struct now, Value.Struct change) {
    Map<String, Value> out = new LinkedHashMap<>(now == null ? Map.of() : now.fields());
    change
        .fields()
        .forEach(
            (k, v) -> {
              if (v instanceof Value.Null) {
                out.remove(k);
              } else {
                out.put(k, v);
              }
            });
    return new Value.Struct(out);
  }
}
