package dev.quiver.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.WalConfig;

/** {@code storage}: where and how data is kept, and the defaults of new collections. */
public record StorageSection(
    String storagePath,
    String snapshotsPath,
    String tempPath,
    Boolean onDiskPayload,
    Integer updateConcurrency,
    String nodeType,
    Wal wal,
    Performance performance,
    Optimizers optimizers,
    Hnsw hnswIndex,
    Collection collection,
    Quotas quotas) {

  public StorageSection {
    storagePath = storagePath == null ? "./storage" : storagePath;
    snapshotsPath = snapshotsPath == null ? "./snapshots" : snapshotsPath;
    onDiskPayload = onDiskPayload == null || onDiskPayload;
    if (updateConcurrency != null && updateConcurrency < 1) {
      throw new IllegalArgumentException("update_concurrency must be at least 1, or null");
    }
    nodeType = nodeType == null ? "Normal" : nodeType;
    if (!nodeType.equals("Normal") && !nodeType.equals("Listener")) {
      throw new IllegalArgumentException("node_type must be \"Normal\" or \"Listener\"");
    }
    wal = wal == null ? new Wal(null, null, null) : wal;
    performance = performance == null ? new Performance(null, null, null, null) : performance;
    optimizers =
        optimizers == null ? new Optimizers(null, null, null, null, null, null, null) : optimizers;
    hnswIndex = hnswIndex == null ? new Hnsw(null, null, null, null, null, null) : hnswIndex;
    collection = collection == null ? new Collection(null, null, null) : collection;
    quotas = quotas == null ? new Quotas(null, null, null, null) : quotas;
  }

  /**
   * {@code storage.quotas}: the resource quota a node enforces until one is set with {@code PUT
   * /quotas} (which is persisted in {@code quota.json} and wins from then on).
   */
  public record Quotas(
      Boolean enabled,
      Integer maxResidentMemoryPercent,
      Integer maxDiskUsagePercent,
      Integer releaseMarginPercent) {
    public Quotas {
      enabled = enabled != null && enabled;
      String problem =
          QuotaConfig.problem(maxResidentMemoryPercent, maxDiskUsagePercent, releaseMarginPercent);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
    }

    /** This seed as the engine's configuration record. */
    public QuotaConfig toQuotaConfig() {
      return new QuotaConfig(
          enabled, maxResidentMemoryPercent, maxDiskUsagePercent, releaseMarginPercent);
    }
  }

  /**
   * Whether this is a {@code Listener} node: in a cluster its replicas take every update and serve
   * reads only when no other replica can.
   */
  public boolean listener() {
    return nodeType.equals("Listener");
  }

  /**
   * {@code storage.performance}, the settings Quiver acts on ({@code max_search_threads} is
   * accepted at its default only).
   *
   * @param optimizerCpuBudget threads of background graph builds: 0 every core, a positive number
   *     that many, a negative one the cores less that many (at least one)
   * @param updateRateLimit updates a cluster node runs at once, the others waiting their turn; null
   *     for no limit
   * @param incomingShardTransfersLimit automatic transfers into this node at once (Quiver starts no
   *     automatic transfer: Raft catches a replica up itself, so the limit always holds); null is
   *     unlimited
   * @param outgoingShardTransfersLimit automatic transfers out of this node at once, as above
   */
  public record Performance(
      Integer optimizerCpuBudget,
      Integer updateRateLimit,
      Integer incomingShardTransfersLimit,
      Integer outgoingShardTransfersLimit) {
    public Performance {
      optimizerCpuBudget = optimizerCpuBudget == null ? 0 : optimizerCpuBudget;
      if (Math.abs((long) optimizerCpuBudget) > 4096) {
        throw new IllegalArgumentException("optimizer_cpu_budget must be between -4096 and 4096");
      }
      if (updateRateLimit != null && updateRateLimit < 1) {
        throw new IllegalArgumentException("update_rate_limit must be at least 1, or null");
      }
      if (incomingShardTransfersLimit != null && incomingShardTransfersLimit < 0
          || outgoingShardTransfersLimit != null && outgoingShardTransfersLimit < 0) {
        throw new IllegalArgumentException(
            "incoming_shard_transfers_limit and outgoing_shard_transfers_limit must not be negative");
      }
    }
  }

  /** {@code storage.wal}. */
  public record Wal(Integer walCapacityMb, Integer walSegmentsAhead, Integer walRetainClosed) {
    public Wal {
      walCapacityMb = walCapacityMb == null ? 32 : walCapacityMb;
      walSegmentsAhead = walSegmentsAhead == null ? 0 : walSegmentsAhead;
      walRetainClosed = walRetainClosed == null ? WalConfig.DEFAULT_RETAIN_CLOSED : walRetainClosed;
    }
  }

  /** {@code storage.optimizers}. */
  public record Optimizers(
      Double deletedThreshold,
      Integer vacuumMinVectorNumber,
      Integer defaultSegmentNumber,
      Integer maxSegmentSizeKb,
      Integer indexingThresholdKb,
      Integer flushIntervalSec,
      Integer maxOptimizationThreads) {
    public Optimizers {
      deletedThreshold = deletedThreshold == null ? 0.2 : deletedThreshold;
      vacuumMinVectorNumber = vacuumMinVectorNumber == null ? 1000 : vacuumMinVectorNumber;
      defaultSegmentNumber = defaultSegmentNumber == null ? 0 : defaultSegmentNumber;
      indexingThresholdKb = indexingThresholdKb == null ? 10_000 : indexingThresholdKb;
      flushIntervalSec = flushIntervalSec == null ? 5 : flushIntervalSec;
    }
  }

  /** {@code storage.hnsw_index}. */
  public record Hnsw(
      Integer m,
      Integer efConstruct,
      Integer fullScanThresholdKb,
      Integer maxIndexingThreads,
      Boolean onDisk,
      Integer payloadM) {
    public Hnsw {
      m = m == null ? 16 : m;
      efConstruct = efConstruct == null ? 100 : efConstruct;
      fullScanThresholdKb = fullScanThresholdKb == null ? 10_000 : fullScanThresholdKb;
      maxIndexingThreads = maxIndexingThreads == null ? 0 : maxIndexingThreads;
      onDisk = onDisk != null && onDisk;
    }
  }

  /** {@code storage.collection}: defaults for new collections. */
  public record Collection(
      Integer replicationFactor, Integer writeConsistencyFactor, Vectors vectors) {
    public Collection {
      replicationFactor = replicationFactor == null ? 1 : replicationFactor;
      writeConsistencyFactor = writeConsistencyFactor == null ? 1 : writeConsistencyFactor;
      vectors = vectors == null ? new Vectors(null) : vectors;
    }
  }

  /** {@code storage.collection.vectors}. */
  public record Vectors(@JsonProperty("on_disk") Boolean onDisk) {}
}
