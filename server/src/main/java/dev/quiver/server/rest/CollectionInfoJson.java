package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.HnswDiff;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.VectorParams;
import java.util.Locale;
import java.util.TreeMap;

/**
 * A collection's info ({@code GET /collections/{c}}) as Qdrant shows it: counts, status and the
 * whole configuration, with per-vector settings shown only where set. Stateless and thread-safe.
 */
final class CollectionInfoJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private CollectionInfoJson() {}

  static JsonNode collectionInfo(CollectionInfo info) {
    CollectionConfig c = info.config();
    ObjectNode o = F.objectNode();
    o.put("status", info.optimizing() ? "yellow" : "green");
    o.put("optimizer_status", "ok");
    o.put("indexed_vectors_count", info.indexedVectorsCount());
    o.put("points_count", info.pointsCount());
    o.put("segments_count", info.segmentsCount());
    ObjectNode config = o.putObject("config");
    ObjectNode params = config.putObject("params");
    if (c.unnamedVector()) {
      params.set("vectors", vectorParams(c.vectors().get(CollectionConfig.DEFAULT_VECTOR)));
    } else {
      ObjectNode named = params.putObject("vectors");
      new TreeMap<>(c.vectors()).forEach((k, v) -> named.set(k, vectorParams(v)));
    }
    if (!c.sparseVectors().isEmpty()) {
      ObjectNode sparse = params.putObject("sparse_vectors");
      new TreeMap<>(c.sparseVectors()).forEach((k, v) -> sparse.set(k, sparseParams(v)));
    }
    params.put("shard_number", c.shardNumber());
    if (c.customSharding()) {
      params.put("sharding_method", "custom");
    }
    params.put("replication_factor", c.replicationFactor());
    params.put("write_consistency_factor", c.writeConsistencyFactor());
    params.put("on_disk_payload", c.onDiskPayload());
    config.set("hnsw_config", hnsw(c.hnsw()));
    OptimizersConfig op = c.optimizers();
    ObjectNode opt = config.putObject("optimizer_config");
    opt.put("deleted_threshold", op.deletedThreshold());
    opt.put("vacuum_min_vector_number", op.vacuumMinVectorNumber());
    opt.put("default_segment_number", op.defaultSegmentNumber());
    opt.set(
        "max_segment_size",
        op.maxSegmentSize() == null ? F.nullNode() : F.numberNode(op.maxSegmentSize()));
    opt.set("memmap_threshold", F.nullNode());
    opt.put("indexing_threshold", op.indexingThreshold());
    opt.put("flush_interval_sec", op.flushIntervalSec());
    opt.set(
        "max_optimization_threads",
        op.maxOptimizationThreads() == null
            ? F.nullNode()
            : F.numberNode(op.maxOptimizationThreads()));
    ObjectNode wal = config.putObject("wal_config");
    wal.put("wal_capacity_mb", c.wal().walCapacityMb());
    wal.put("wal_segments_ahead", c.wal().walSegmentsAhead());
    wal.put("wal_retain_closed", c.wal().walRetainClosed());
    config.set(
        "quantization_config",
        c.quantization() == null ? F.nullNode() : QuantizationJson.json(c.quantization()));
    if (c.metadata() != null) {
      config.set("metadata", ValueJson.json(c.metadata()));
    }
    if (c.strictMode() != null) {
      config.set("strict_mode_config", ValueJson.json(c.strictMode()));
    }
    o.putObject("payload_schema");
    return o;
  }

  private static ObjectNode vectorParams(VectorParams v) {
    ObjectNode o = F.objectNode();
    o.put("size", v.size());
    o.put("distance", v.distance().wireName());
    if (v.onDisk() != null) {
      o.put("on_disk", v.onDisk());
    }
    if (v.hnsw() != null) {
      o.set("hnsw_config", hnsw(v.hnsw())); // as given, as Qdrant shows it
    }
    if (v.multivector()) {
      o.putObject("multivector_config").put("comparator", "max_sim");
    }
    if (v.datatype() != null) {
      o.put("datatype", v.datatype().wireName());
    }
    if (v.quantization() != null) {
      o.set("quantization_config", QuantizationJson.json(v.quantization()));
    }
    return o;
  }

  /** A sparse vector's parameters: only what was set, as Qdrant shows them. */
  private static ObjectNode sparseParams(SparseVectorParams v) {
    ObjectNode o = F.objectNode();
    if (v.fullScanThreshold() != null
        || v.onDisk() != null
        || v.memory() != null
        || v.datatype() != null) {
      ObjectNode index = o.putObject("index");
      if (v.fullScanThreshold() != null) {
        index.put("full_scan_threshold", v.fullScanThreshold());
      }
      if (v.onDisk() != null) {
        index.put("on_disk", v.onDisk());
      }
      if (v.memory() != null) {
        index.put("memory", v.memory().name().toLowerCase(Locale.ROOT));
      }
      if (v.datatype() != null) {
        index.put("datatype", v.datatype().wireName());
      }
    }
    if (v.modifier() != null) {
      o.put("modifier", v.modifier().name().toLowerCase(Locale.ROOT));
    }
    return o;
  }

  /** A vector's own settings: the fields it set. */
  private static ObjectNode hnsw(HnswDiff h) {
    ObjectNode hnsw = F.objectNode();
    if (h.m() != null) {
      hnsw.put("m", h.m());
    }
    if (h.efConstruct() != null) {
      hnsw.put("ef_construct", h.efConstruct());
    }
    if (h.fullScanThreshold() != null) {
      hnsw.put("full_scan_threshold", h.fullScanThreshold());
    }
    if (h.maxIndexingThreads() != null) {
      hnsw.put("max_indexing_threads", h.maxIndexingThreads());
    }
    if (h.onDisk() != null) {
      hnsw.put("on_disk", h.onDisk());
    }
    if (h.payloadM() != null) {
      hnsw.put("payload_m", h.payloadM());
    }
    return hnsw;
  }

  /** A collection's settings: every field, and {@code payload_m} when set (as Qdrant shows it). */
  private static ObjectNode hnsw(HnswConfig h) {
    return hnsw(HnswDiff.of(h));
  }
}
