package dev.quiver.server.request;

import java.util.Map;
import java.util.Set;

/**
 * The settings and request fields Quiver implements, by object, named as Qdrant names them in both
 * its JSON and its protos (snake case): each edge refuses any other field a client sets, by name,
 * instead of accepting and dropping it. The top-level collection fields differ between the two APIs
 * ({@code vectors} / {@code vectors_config}) and are listed at each edge. Stateless (static methods
 * only), so thread-safe.
 */
public final class ImplementedFields {
  private ImplementedFields() {}

  /** A dense vector's parameters. */
  public static final Set<String> VECTOR =
      Set.of(
          "size",
          "distance",
          "on_disk",
          "hnsw_config",
          "multivector_config",
          "datatype",
          "quantization_config");

  /** A sparse vector's parameters. */
  public static final Set<String> SPARSE_VECTOR = Set.of("index", "modifier");

  /** A sparse vector's {@code index}. */
  public static final Set<String> SPARSE_INDEX =
      Set.of("full_scan_threshold", "on_disk", "memory", "datatype");

  /** {@code hnsw_config}. */
  public static final Set<String> HNSW =
      Set.of(
          "m",
          "ef_construct",
          "full_scan_threshold",
          "max_indexing_threads",
          "on_disk",
          "payload_m");

  /** {@code optimizers_config}. */
  public static final Set<String> OPTIMIZERS =
      Set.of(
          "deleted_threshold",
          "vacuum_min_vector_number",
          "default_segment_number",
          "max_segment_size",
          "indexing_threshold",
          "flush_interval_sec",
          "max_optimization_threads");

  /** {@code wal_config}. */
  public static final Set<String> WAL =
      Set.of("wal_capacity_mb", "wal_segments_ahead", "wal_retain_closed");

  /** The {@code params} of a collection update. */
  public static final Set<String> COLLECTION_PARAMS =
      Set.of("replication_factor", "write_consistency_factor", "on_disk_payload");

  /** A search's {@code params}. */
  public static final Set<String> SEARCH_PARAMS =
      Set.of("hnsw_ef", "exact", "indexed_only", "quantization", "acorn");

  /** A search's {@code params.quantization}. */
  public static final Set<String> QUANTIZATION_PARAMS = Set.of("ignore", "rescore", "oversampling");

  /**
   * A text index's options (the analysis of {@code TextAnalyzer}, where its postings live, and
   * {@code enable_hnsw}).
   */
  public static final Set<String> TEXT_INDEX =
      Set.of(
          "tokenizer",
          "lowercase",
          "ascii_folding",
          "min_token_len",
          "max_token_len",
          "stopwords",
          "stemmer",
          "phrase_matching",
          "on_disk",
          "memory",
          "enable_hnsw");

  /**
   * The options of each other payload index type besides {@code type}, as Qdrant's {@code
   * *IndexParams} define them: where the postings live ({@code on_disk}, {@code memory}), tenant
   * links ({@code is_tenant}, {@code enable_hnsw}), prefix matches on keywords, which conditions an
   * integer index answers ({@code lookup}, {@code range}) and {@code is_principal}.
   */
  public static final Map<String, Set<String>> INDEX_PARAMS =
      Map.of(
          "keyword", Set.of("is_tenant", "on_disk", "memory", "enable_hnsw", "prefix"),
          "integer", Set.of("lookup", "range", "is_principal", "on_disk", "memory", "enable_hnsw"),
          "float", Set.of("is_principal", "on_disk", "memory", "enable_hnsw"),
          "geo", Set.of("on_disk", "memory", "enable_hnsw"),
          "bool", Set.of("on_disk", "memory", "enable_hnsw"),
          "datetime", Set.of("is_principal", "on_disk", "memory", "enable_hnsw"),
          "uuid", Set.of("is_tenant", "on_disk", "memory", "enable_hnsw"),
          "text", TEXT_INDEX);
}
