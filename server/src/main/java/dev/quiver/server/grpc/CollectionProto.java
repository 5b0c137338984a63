package dev.quiver.server.grpc;

import dev.quiver.server.request.CollectionUpdate;
import dev.quiver.server.request.CreateCollection;
import dev.quiver.server.request.ImplementedFields;
import dev.quiver.server.request.RequestException;
import dev.quiver.server.request.SparseSettings;
import dev.quiver.server.request.StrictModeSettings;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.HnswDiff;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.ShardingMethod;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.VectorDatatype;
import dev.quiver.storage.VectorParams;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.Points;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The collections service's messages (creating and changing collections, named vectors, payload
 * index parameters, aliases, shard keys and placement, collection and cluster info) to and from the
 * domain types, with the same checks as the REST edge's {@code CollectionJson}. Stateless.
 */
final class CollectionProto {
  private static final String BODY = ProtoCodec.BODY;

  private CollectionProto() {}

  private static final Set<String> CREATE_FIELDS =
      Set.of(
          "collection_name",
          "vectors_config",
          "hnsw_config",
          "wal_config",
          "optimizers_config",
          "shard_number",
          "on_disk_payload",
          "timeout",
          "replication_factor",
          "write_consistency_factor",
          "sharding_method",
          "sparse_vectors_config",
          "metadata",
          "strict_mode_config",
          "quantization_config");

  private static final Set<String> UPDATE_FIELDS =
      Set.of(
          "collection_name",
          "optimizers_config",
          "timeout",
          "params",
          "hnsw_config",
          "vectors_config",
          "quantization_config",
          "sparse_vectors_config",
          "metadata",
          "strict_mode_config");

  static CreateCollection createCollection(Collections.CreateCollection r) {
    ProtoFields.onlyImplemented(r, "", CREATE_FIELDS);
    Map<String, VectorParams> vectors = new LinkedHashMap<>();
    Map<String, HnswDiff> vectorHnsw = new LinkedHashMap<>();
    if (r.hasVectorsConfig()) {
      Collections.VectorsConfig vc = r.getVectorsConfig();
      switch (vc.getConfigCase()) {
        case PARAMS -> {
          vectors.put(
              CollectionConfig.DEFAULT_VECTOR, vectorParams(vc.getParams(), "vectors_config"));
          if (vc.getParams().hasHnswConfig()) {
            vectorHnsw.put(
                CollectionConfig.DEFAULT_VECTOR, hnswDiff(vc.getParams().getHnswConfig()));
          }
        }
        case PARAMS_MAP ->
            vc.getParamsMap()
                .getMapMap()
                .forEach(
                    (k, v) -> {
                      vectors.put(k, vectorParams(v, "vectors_config." + k));
                      if (v.hasHnswConfig()) {
                        vectorHnsw.put(k, hnswDiff(v.getHnswConfig()));
                      }
                    });
        case CONFIG_NOT_SET -> {}
      }
    }
    Map<String, SparseVectorParams> sparse = new LinkedHashMap<>();
    if (r.hasSparseVectorsConfig()) {
      r.getSparseVectorsConfig()
          .getMapMap()
          .forEach(
              (k, v) ->
                  sparse.put(
                      k,
                      sparseDiff(v, "sparse_vectors_config." + k)
                          .over(SparseVectorParams.DEFAULT)));
    }
    HnswDiff hnsw = r.hasHnswConfig() ? hnswDiff(r.getHnswConfig()) : null;
    CreateCollection.WalDiff wal = null;
    if (r.hasWalConfig()) {
      Collections.WalConfigDiff w = r.getWalConfig();
      ProtoFields.onlyImplemented(w, "wal_config", ImplementedFields.WAL);
      wal =
          new CreateCollection.WalDiff(
              w.hasWalCapacityMb()
                  ? ProtoCodec.range(w.getWalCapacityMb(), 1, 1 << 20, "wal_config.wal_capacity_mb")
                  : null,
              w.hasWalSegmentsAhead()
                  ? ProtoCodec.range(
                      w.getWalSegmentsAhead(), 0, 1024, "wal_config.wal_segments_ahead")
                  : null,
              w.hasWalRetainClosed()
                  ? ProtoCodec.range(
                      w.getWalRetainClosed(), 0, 1024, "wal_config.wal_retain_closed")
                  : null);
    }
    return new CreateCollection(
        vectors,
        r.hasShardNumber()
            ? ProtoCodec.range(Integer.toUnsignedLong(r.getShardNumber()), 1, 65536, "shard_number")
            : null,
        r.hasShardingMethod()
            ? switch (r.getShardingMethod()) {
              case Custom -> ShardingMethod.CUSTOM;
              case Auto -> ShardingMethod.AUTO;
              default ->
                  throw new RequestException.Invalid(
                      "body", "sharding_method", "unknown sharding method");
            }
            : null,
        r.hasReplicationFactor()
            ? ProtoCodec.range(
                Integer.toUnsignedLong(r.getReplicationFactor()), 1, 65536, "replication_factor")
            : null,
        r.hasWriteConsistencyFactor()
            ? ProtoCodec.range(
                Integer.toUnsignedLong(r.getWriteConsistencyFactor()),
                1,
                65536,
                "write_consistency_factor")
            : null,
        r.hasOnDiskPayload() ? r.getOnDiskPayload() : null,
        hnsw,
        r.hasOptimizersConfig() ? optimizersDiff(r.getOptimizersConfig()) : null,
        wal,
        vectorHnsw,
        sparse,
        r.getMetadataCount() == 0 ? null : ProtoCodec.struct(r.getMetadataMap()),
        r.hasStrictModeConfig()
            ? StrictModeSettings.merged(
                null, StrictModeProto.settings(r.getStrictModeConfig()), "body")
            : null,
        r.hasQuantizationConfig()
            ? QuantizationProto.config(r.getQuantizationConfig(), "quantization_config")
            : null);
  }

  /** A {@code SparseVectorParams} message, as the changes it makes. */
  private static CollectionUpdate.SparseDiff sparseDiff(
      Collections.SparseVectorParams p, String path) {
    ProtoFields.onlyImplemented(p, path, ImplementedFields.SPARSE_VECTOR);
    Long threshold = null;
    Boolean onDisk = null;
    VectorDatatype datatype = null;
    if (p.hasIndex()) {
      Collections.SparseIndexConfig i = p.getIndex();
      ProtoFields.onlyImplemented(i, path + ".index", ImplementedFields.SPARSE_INDEX);
      threshold = i.hasFullScanThreshold() ? i.getFullScanThreshold() : null;
      onDisk = i.hasOnDisk() ? i.getOnDisk() : null;
      datatype = i.hasDatatype() ? datatype(i.getDatatype(), path + ".index.datatype") : null;
    }
    var checked =
        SparseSettings.params(
            path,
            threshold == null
                ? null
                : ProtoCodec.range(
                    threshold, 0, Integer.MAX_VALUE, path + ".index.full_scan_threshold"),
            onDisk,
            null,
            datatype,
            p.hasModifier() ? modifier(p.getModifier(), path) : null);
    return CollectionUpdate.SparseDiff.of(checked);
  }

  private static SparseVectorParams.Modifier modifier(Collections.Modifier m, String path) {
    return switch (m) {
      case None -> SparseVectorParams.Modifier.NONE;
      case Idf -> SparseVectorParams.Modifier.IDF;
      case UNRECOGNIZED ->
          throw new RequestException.Invalid(BODY, path + ".modifier", "unknown modifier");
    };
  }

  /** A {@code Datatype}; {@code Default} is float32, as Qdrant takes it. */
  private static VectorDatatype datatype(Collections.Datatype d, String path) {
    return switch (d) {
      case Default, Float32 -> VectorDatatype.FLOAT32;
      case Float16 -> VectorDatatype.FLOAT16;
      case Uint8 -> VectorDatatype.UINT8;
      case UNRECOGNIZED -> throw new RequestException.Invalid(BODY, path, "unknown datatype");
    };
  }

  /** The sparse vector of a {@code CreateVectorNameRequest}. */
  static SparseVectorParams sparseVectorName(Points.SparseVectorCreationConfig c) {
    return SparseSettings.params(
        "sparse_config",
        null,
        null,
        null,
        c.hasDatatype() ? datatype(c.getDatatype(), "sparse_config.datatype") : null,
        c.hasModifier() ? modifier(c.getModifier(), "sparse_config") : null);
  }

  /** The dense vector of a {@code CreateVectorNameRequest} (its sparse one: above). */
  static VectorParams vectorName(Points.CreateVectorNameRequest r) {
    if (!r.hasDenseConfig()) {
      throw new RequestException.Invalid(
          "body", "vector_config", "one of dense_config or sparse_config is required");
    }
    var d = r.getDenseConfig();
    var params =
        Collections.VectorParams.newBuilder().setSize(d.getSize()).setDistance(d.getDistance());
    if (d.hasMultivectorConfig()) {
      params.setMultivectorConfig(d.getMultivectorConfig());
    }
    return vectorParams(params.build(), "dense_config");
  }

  private static VectorParams vectorParams(Collections.VectorParams p, String path) {
    ProtoFields.onlyImplemented(p, path, ImplementedFields.VECTOR);
    int size = ProtoCodec.range(p.getSize(), 1, VectorParams.MAX_SIZE, path + ".size");
    Distance d =
        switch (p.getDistance()) {
          case Cosine -> Distance.COSINE;
          case Euclid -> Distance.EUCLID;
          case Dot -> Distance.DOT;
          case Manhattan -> Distance.MANHATTAN;
          case UnknownDistance, UNRECOGNIZED ->
              throw new RequestException.Invalid(BODY, path + ".distance", "unknown distance");
        };
    boolean multivector = p.hasMultivectorConfig();
    if (multivector && d != Distance.DOT && d != Distance.COSINE) {
      throw new RequestException.Unsupported(
          "`"
              + path
              + ".multivector_config` with "
              + d.wireName()
              + " is not supported by Quiver: multivectors are scored with Dot or Cosine");
    }
    VectorDatatype datatype =
        p.hasDatatype() ? datatype(p.getDatatype(), path + ".datatype") : null;
    Quantization own =
        p.hasQuantizationConfig()
            ? QuantizationProto.config(p.getQuantizationConfig(), path + ".quantization_config")
            : null;
    try {
      return new VectorParams(
          size, d, p.hasOnDisk() ? p.getOnDisk() : null, null, multivector, datatype, own);
    } catch (IllegalArgumentException e) {
      throw new RequestException.Unsupported(
          "`" + path + "` is not supported by Quiver: " + e.getMessage());
    }
  }

  static HnswDiff hnswDiff(Collections.HnswConfigDiff h) {
    ProtoFields.onlyImplemented(h, "hnsw_config", ImplementedFields.HNSW);
    return new HnswDiff(
        h.hasM() ? ProtoCodec.range(h.getM(), 0, HnswConfig.MAX_M, "hnsw_config.m") : null,
        h.hasEfConstruct()
            ? ProtoCodec.range(h.getEfConstruct(), 4, Integer.MAX_VALUE, "hnsw_config.ef_construct")
            : null,
        h.hasFullScanThreshold()
            ? ProtoCodec.range(
                h.getFullScanThreshold(), 0, Integer.MAX_VALUE, "hnsw_config.full_scan_threshold")
            : null,
        h.hasMaxIndexingThreads()
            ? ProtoCodec.range(
                h.getMaxIndexingThreads(), 0, 65536, "hnsw_config.max_indexing_threads")
            : null,
        h.hasOnDisk() ? h.getOnDisk() : null,
        h.hasPayloadM()
            ? ProtoCodec.range(h.getPayloadM(), 0, HnswConfig.MAX_M, "hnsw_config.payload_m")
            : null);
  }

  static CollectionUpdate.OptimizersDiff optimizersDiff(Collections.OptimizersConfigDiff o) {
    ProtoFields.onlyImplemented(o, "optimizers_config", ImplementedFields.OPTIMIZERS);
    if (o.hasDeletedThreshold() && (o.getDeletedThreshold() < 0 || o.getDeletedThreshold() > 1)) {
      throw new RequestException.Invalid(
          "body", "optimizers_config.deleted_threshold", "value must be between 0 and 1");
    }
    Integer threads = null;
    if (o.hasMaxOptimizationThreads()
        && o.getMaxOptimizationThreads().getVariantCase()
            == Collections.MaxOptimizationThreads.VariantCase.SETTING) {
      threads = CollectionUpdate.OptimizersDiff.AUTO_THREADS; // Auto, its only setting
    } else if (o.hasMaxOptimizationThreads()
        && o.getMaxOptimizationThreads().getVariantCase()
            == Collections.MaxOptimizationThreads.VariantCase.VALUE) {
      threads =
          ProtoCodec.range(
              o.getMaxOptimizationThreads().getValue(),
              0,
              65536,
              "optimizers_config.max_optimization_threads");
    }
    return new CollectionUpdate.OptimizersDiff(
        o.hasDeletedThreshold() ? o.getDeletedThreshold() : null,
        o.hasVacuumMinVectorNumber()
            ? ProtoCodec.range(
                o.getVacuumMinVectorNumber(),
                100,
                Integer.MAX_VALUE,
                "optimizers_config.vacuum_min_vector_number")
            : null,
        o.hasDefaultSegmentNumber()
            ? ProtoCodec.range(
                o.getDefaultSegmentNumber(), 0, 65536, "optimizers_config.default_segment_number")
            : null,
        o.hasMaxSegmentSize()
            ? ProtoCodec.range(
                o.getMaxSegmentSize(), 1, Integer.MAX_VALUE, "optimizers_config.max_segment_size")
            : null,
        o.hasIndexingThreshold()
            ? ProtoCodec.range(
                o.getIndexingThreshold(),
                0,
                Integer.MAX_VALUE,
                "optimizers_config.indexing_threshold")
            : null,
        o.hasFlushIntervalSec()
            ? ProtoCodec.range(
                o.getFlushIntervalSec(),
                0,
                Integer.MAX_VALUE,
                "optimizers_config.flush_interval_sec")
            : null,
        threads);
  }

  /** gRPC {@code UpdateAliases}. */
  static List<AliasAction> aliasActions(Collections.ChangeAliases r) {
    List<AliasAction> out = new ArrayList<>();
    for (Collections.AliasOperations a : r.getActionsList()) {
      out.add(
          switch (a.getActionCase()) {
            case CREATE_ALIAS ->
                new AliasAction.Create(
                    a.getCreateAlias().getAliasName(), a.getCreateAlias().getCollectionName());
            case DELETE_ALIAS -> new AliasAction.Delete(a.getDeleteAlias().getAliasName());
            case RENAME_ALIAS ->
                new AliasAction.Rename(
                    a.getRenameAlias().getOldAliasName(), a.getRenameAlias().getNewAliasName());
            default ->
                throw new RequestException.Invalid("body", "actions", "an action must be given");
          });
    }
    return out;
  }

  /** gRPC {@code Update}. */
  static CollectionUpdate updateCollection(Collections.UpdateCollection r) {
    ProtoFields.onlyImplemented(r, "", UPDATE_FIELDS);
    ProtoFields.onlyImplemented(r.getParams(), "params", ImplementedFields.COLLECTION_PARAMS);
    Map<String, Quantization> vectorQuantization = new LinkedHashMap<>();
    if (r.hasVectorsConfig()) {
      Collections.VectorsConfigDiff v = r.getVectorsConfig();
      Map<String, Collections.VectorParamsDiff> diffs =
          v.hasParams()
              ? Map.of(CollectionConfig.DEFAULT_VECTOR, v.getParams())
              : v.getParamsMap().getMapMap();
      diffs.forEach(
          (name, diff) -> {
            String at = name.isEmpty() ? "vectors_config" : "vectors_config." + name;
            ProtoFields.onlyImplemented(diff, at, Set.of("quantization_config"));
            if (diff.hasQuantizationConfig()) {
              vectorQuantization.put(
                  name,
                  QuantizationProto.diff(
                      diff.getQuantizationConfig(), at + ".quantization_config"));
            }
          });
    }
    Map<String, CollectionUpdate.SparseDiff> sparse = new LinkedHashMap<>();
    if (r.hasSparseVectorsConfig()) {
      r.getSparseVectorsConfig()
          .getMapMap()
          .forEach((k, v) -> sparse.put(k, sparseDiff(v, "sparse_vectors_config." + k)));
    }
    Collections.CollectionParamsDiff p = r.getParams();
    return new CollectionUpdate(
        r.hasOptimizersConfig() ? optimizersDiff(r.getOptimizersConfig()) : null,
        r.hasHnswConfig() ? hnswDiff(r.getHnswConfig()) : null,
        p.hasReplicationFactor()
            ? ProtoCodec.range(
                Integer.toUnsignedLong(p.getReplicationFactor()), 1, 65536, "replication_factor")
            : null,
        p.hasWriteConsistencyFactor()
            ? ProtoCodec.range(
                Integer.toUnsignedLong(p.getWriteConsistencyFactor()),
                1,
                65536,
                "write_consistency_factor")
            : null,
        p.hasOnDiskPayload() ? p.getOnDiskPayload() : null,
        sparse,
        r.getMetadataCount() == 0 ? null : ProtoCodec.struct(r.getMetadataMap()),
        r.hasStrictModeConfig() ? StrictModeProto.settings(r.getStrictModeConfig()) : null,
        r.hasQuantizationConfig()
            ? QuantizationProto.diff(r.getQuantizationConfig(), "quantization_config")
            : null,
        vectorQuantization);
  }

  /** A sparse vector's parameters: only what was set. */
  private static Collections.SparseVectorParams proto(SparseVectorParams v) {
    var b = Collections.SparseVectorParams.newBuilder();
    if (v.fullScanThreshold() != null || v.onDisk() != null || v.datatype() != null) {
      var index = Collections.SparseIndexConfig.newBuilder();
      if (v.fullScanThreshold() != null) {
        index.setFullScanThreshold(v.fullScanThreshold());
      }
      if (v.onDisk() != null) {
        index.setOnDisk(v.onDisk());
      }
      if (v.datatype() != null) {
        index.setDatatype(datatype(v.datatype()));
      }
      b.setIndex(index);
    }
    if (v.modifier() != null) {
      b.setModifier(
          v.modifier() == SparseVectorParams.Modifier.IDF
              ? Collections.Modifier.Idf
              : Collections.Modifier.None);
    }
    return b.build();
  }

  private static Collections.Datatype datatype(VectorDatatype d) {
    return switch (d) {
      case FLOAT32 -> Collections.Datatype.Float32;
      case FLOAT16 -> Collections.Datatype.Float16;
      case UINT8 -> Collections.Datatype.Uint8;
    };
  }

  static Collections.CollectionInfo proto(CollectionInfo info) {
    CollectionConfig c = info.config();
    var vectors = Collections.VectorsConfig.newBuilder();
    if (c.unnamedVector()) {
      vectors.setParams(proto(c.vectors().get(CollectionConfig.DEFAULT_VECTOR)));
    } else {
      var map = Collections.VectorParamsMap.newBuilder();
      new TreeMap<>(c.vectors()).forEach((k, v) -> map.putMap(k, proto(v)));
      vectors.setParamsMap(map);
    }
    var params =
        Collections.CollectionParams.newBuilder()
            .setShardNumber(c.shardNumber())
            .setReplicationFactor(c.replicationFactor())
            .setWriteConsistencyFactor(c.writeConsistencyFactor())
            .setOnDiskPayload(c.onDiskPayload())
            .setVectorsConfig(vectors);
    if (!c.sparseVectors().isEmpty()) {
      var sparse = Collections.SparseVectorConfig.newBuilder();
      new TreeMap<>(c.sparseVectors()).forEach((k, v) -> sparse.putMap(k, proto(v)));
      params.setSparseVectorsConfig(sparse);
    }
    if (c.customSharding()) {
      params.setShardingMethod(Collections.ShardingMethod.Custom);
    }
    var hnsw = hnsw(c.hnsw());
    var o = c.optimizers();
    var optimizers =
        Collections.OptimizersConfigDiff.newBuilder()
            .setDeletedThreshold(o.deletedThreshold())
            .setVacuumMinVectorNumber(o.vacuumMinVectorNumber())
            .setDefaultSegmentNumber(o.defaultSegmentNumber())
            .setIndexingThreshold(o.indexingThreshold())
            .setFlushIntervalSec(o.flushIntervalSec());
    if (o.maxSegmentSize() != null) {
      optimizers.setMaxSegmentSize(o.maxSegmentSize());
    }
    optimizers.setMaxOptimizationThreads(
        o.maxOptimizationThreads() == null
            ? Collections.MaxOptimizationThreads.newBuilder()
                .setSetting(Collections.MaxOptimizationThreads.Setting.Auto)
            : Collections.MaxOptimizationThreads.newBuilder().setValue(o.maxOptimizationThreads()));
    var wal =
        Collections.WalConfigDiff.newBuilder()
            .setWalCapacityMb(c.wal().walCapacityMb())
            .setWalSegmentsAhead(c.wal().walSegmentsAhead())
            .setWalRetainClosed(c.wal().walRetainClosed());
    var config =
        Collections.CollectionConfig.newBuilder()
            .setParams(params)
            .setHnswConfig(hnsw)
            .setOptimizerConfig(optimizers)
            .setWalConfig(wal);
    if (c.metadata() != null) {
      c.metadata().fields().forEach((k, v) -> config.putMetadata(k, ProtoCodec.proto(v)));
    }
    if (c.strictMode() != null) {
      config.setStrictModeConfig(StrictModeProto.message(c.strictMode()));
    }
    if (c.quantization() != null) {
      config.setQuantizationConfig(QuantizationProto.message(c.quantization()));
    }
    return Collections.CollectionInfo.newBuilder()
        .setStatus(
            info.optimizing()
                ? Collections.CollectionStatus.Yellow
                : Collections.CollectionStatus.Green)
        .setOptimizerStatus(Collections.OptimizerStatus.newBuilder().setOk(true))
        .setSegmentsCount(info.segmentsCount())
        .setPointsCount(info.pointsCount())
        .setIndexedVectorsCount(info.indexedVectorsCount())
        .setConfig(config)
        .build();
  }

  private static Collections.VectorParams proto(VectorParams v) {
    var b =
        Collections.VectorParams.newBuilder()
            .setSize(v.size())
            .setDistance(
                switch (v.distance()) {
                  case COSINE -> Collections.Distance.Cosine;
                  case EUCLID -> Collections.Distance.Euclid;
                  case DOT -> Collections.Distance.Dot;
                  case MANHATTAN -> Collections.Distance.Manhattan;
                });
    if (v.onDisk() != null) {
      b.setOnDisk(v.onDisk());
    }
    if (v.hnsw() != null) {
      b.setHnswConfig(hnsw(v.hnsw()));
    }
    if (v.datatype() != null) {
      b.setDatatype(datatype(v.datatype()));
    }
    if (v.quantization() != null) {
      b.setQuantizationConfig(QuantizationProto.message(v.quantization()));
    }
    if (v.multivector()) {
      b.setMultivectorConfig(
          Collections.MultiVectorConfig.newBuilder()
              .setComparator(Collections.MultiVectorComparator.MaxSim));
    }
    return b.build();
  }

  /** A vector's own settings: the fields it set. */
  private static Collections.HnswConfigDiff hnsw(HnswDiff h) {
    var b = Collections.HnswConfigDiff.newBuilder();
    if (h.m() != null) {
      b.setM(h.m());
    }
    if (h.efConstruct() != null) {
      b.setEfConstruct(h.efConstruct());
    }
    if (h.fullScanThreshold() != null) {
      b.setFullScanThreshold(h.fullScanThreshold());
    }
    if (h.maxIndexingThreads() != null) {
      b.setMaxIndexingThreads(h.maxIndexingThreads());
    }
    if (h.onDisk() != null) {
      b.setOnDisk(h.onDisk());
    }
    if (h.payloadM() != null) {
      b.setPayloadM(h.payloadM());
    }
    return b.build();
  }

  /** A collection's settings: every field, and {@code payload_m} when set. */
  private static Collections.HnswConfigDiff hnsw(HnswConfig h) {
    return hnsw(HnswDiff.of(h));
  }
}
