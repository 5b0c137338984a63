package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.onlyImplemented;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The top-level fields of each REST request body that Quiver reads, by operation id, named as in
 * Qdrant's OpenAPI document (with the aliases Qdrant also accepts, such as {@code top} and {@code
 * with_vectors}). Any other field a body sets, whether Qdrant defines it and Quiver does not
 * implement it yet ({@code initial_state}) or nobody defines it (a typo such as {@code filtr}), is
 * refused with a 400 that names it before anything runs: a request is never half-understood. Batch
 * bodies are checked item by item. Objects nested deeper (prefetches, query variants, lookups) are
 * checked where they are decoded. Immutable; thread-safe.
 */
final class RequestFields {
  private RequestFields() {}

  private static final Set<String> VECTORS_OUT =
      Set.of("with_payload", "with_vector", "with_vectors");

  /** The fields of a {@code Prefetch} (the query request's own level adds offset and output). */
  static final Set<String> PREFETCH =
      Set.of(
          "prefetch",
          "query",
          "using",
          "filter",
          "params",
          "score_threshold",
          "limit",
          "lookup_from");

  /** What the deprecated search, recommend and discover bodies share. */
  private static final Set<String> LEGACY =
      with(
          VECTORS_OUT,
          "filter",
          "params",
          "limit",
          "top",
          "offset",
          "score_threshold",
          "shard_key");

  private static final Set<String> SEARCH = with(LEGACY, "vector");
  private static final Set<String> EXAMPLES = with(LEGACY, "using", "lookup_from");
  private static final Set<String> RECOMMEND = with(EXAMPLES, "positive", "negative", "strategy");
  private static final Set<String> DISCOVER = with(EXAMPLES, "target", "context");
  private static final Set<String> QUERY =
      with(with(PREFETCH, VECTORS_OUT.toArray(String[]::new)), "offset", "shard_key");
  private static final String[] GROUPING = {"group_by", "group_size", "with_lookup"};

  /** The fields of one point of a {@code points} list, by the operation that carries it. */
  static final Set<String> UPSERT_POINT = Set.of("id", "vector", "payload");

  static final Set<String> UPSERT_BATCH = Set.of("ids", "vectors", "payloads");
  static final Set<String> VECTORS_POINT = Set.of("id", "vector");

  /** The update operations, as bodies of their own endpoints and as items of a batch update. */
  private static final Map<String, Set<String>> UPDATES =
      Map.of(
          "upsert", Set.of("points", "batch", "shard_key", "update_mode", "update_filter"),
          "delete", Set.of("points", "filter", "shard_key"),
          "set_payload", Set.of("payload", "points", "filter", "key", "shard_key"),
          "overwrite_payload", Set.of("payload", "points", "filter", "key", "shard_key"),
          "delete_payload", Set.of("keys", "points", "filter", "shard_key"),
          "clear_payload", Set.of("points", "filter", "shard_key"),
          "update_vectors", Set.of("points", "shard_key", "update_filter"),
          "delete_vectors", Set.of("points", "filter", "vector", "shard_key"));

  /** The batch endpoints: the array field and the operation each item is checked as. */
  private static final Map<String, String> BATCH_OF =
      Map.of(
          "search_batch_points", "search_points",
          "recommend_batch_points", "recommend_points",
          "discover_batch_points", "discover_points",
          "query_batch_points", "query_points");

  private static final Map<String, Set<String>> TOP = top();

  private static Map<String, Set<String>> top() {
    Map<String, Set<String>> top = new HashMap<>();
    top.put("search_points", SEARCH);
    top.put("recommend_points", RECOMMEND);
    top.put("discover_points", DISCOVER);
    top.put("query_points", QUERY);
    top.put("search_point_groups", with(without(SEARCH, "offset", "top"), GROUPING));
    top.put("recommend_point_groups", with(without(RECOMMEND, "offset", "top"), GROUPING));
    top.put("query_points_groups", with(without(QUERY, "offset"), GROUPING));
    for (String batch : BATCH_OF.keySet()) {
      top.put(batch, Set.of("searches"));
    }
    top.put(
        "scroll_points", with(VECTORS_OUT, "offset", "limit", "filter", "order_by", "shard_key"));
    top.put("count_points", Set.of("filter", "exact", "shard_key"));
    top.put("facet", Set.of("key", "filter", "limit", "exact", "shard_key"));
    top.put("search_matrix_pairs", Set.of("sample", "limit", "filter", "using", "shard_key"));
    top.put("search_matrix_offsets", Set.of("sample", "limit", "filter", "using", "shard_key"));
    top.put("get_points", with(VECTORS_OUT, "ids", "shard_key"));
    top.put("upsert_points", UPDATES.get("upsert"));
    top.put("delete_points", UPDATES.get("delete"));
    top.put("set_payload", UPDATES.get("set_payload"));
    top.put("overwrite_payload", UPDATES.get("overwrite_payload"));
    top.put("delete_payload", UPDATES.get("delete_payload"));
    top.put("clear_payload", UPDATES.get("clear_payload"));
    top.put("update_vectors", UPDATES.get("update_vectors"));
    top.put("delete_vectors", UPDATES.get("delete_vectors"));
    top.put("batch_update", Set.of("operations"));
    top.put("create_field_index", Set.of("field_name", "field_schema"));
    top.put("recover_from_snapshot", Set.of("location", "priority", "checksum", "api_key"));
    top.put("recover_shard_from_snapshot", Set.of("location", "priority", "checksum", "api_key"));
    top.put("create_shard_key", ShardOps.CREATE_KEY);
    top.put("delete_shard_key", ShardOps.DROP_KEY);
    top.put("update_aliases", Set.of("actions"));
    top.put(
        "update_quotas",
        Set.of(
            "enabled",
            "max_resident_memory_percent",
            "max_disk_usage_percent",
            "release_margin_percent"));
    top.put("create_vector_name", Set.of("dense", "sparse"));
    top.put("audit_logs", Set.of("time_from", "time_to", "limit", "filters"));
    return Map.copyOf(top);
  }

  /** The fields of the cluster operations of {@code POST /collections/{c}/cluster}. */
  static final class ShardOps {
    private ShardOps() {}

    static final Set<String> TRANSFER = Set.of("shard_id", "from_peer_id", "to_peer_id", "method");
    static final Set<String> ABORT = Set.of("shard_id", "from_peer_id", "to_peer_id");
    static final Set<String> DROP_REPLICA = Set.of("shard_id", "peer_id");
    static final Set<String> CREATE_KEY =
        Set.of("shard_key", "shards_number", "replication_factor", "placement");
    static final Set<String> DROP_KEY = Set.of("shard_key");
    static final Set<String> REPLICATE_POINTS = Set.of("from_shard_key", "to_shard_key", "filter");
    static final Set<String> START_RESHARDING = Set.of("direction", "peer_id", "shard_key");
  }

  /**
   * Refuses, with a 400 naming it, the first field of {@code body} that operation {@code operation}
   * does not read; bodies of operations not listed here are checked by their decoders (collection
   * create and update) or carry no JSON. Non-object bodies are left to the decoders.
   */
  static void check(String operation, JsonNode body) {
    Set<String> fields = TOP.get(operation);
    if (fields == null || !(body instanceof ObjectNode o)) {
      return;
    }
    onlyImplemented(o, "", fields);
    String item = BATCH_OF.get(operation);
    if (item != null) {
      eachItem(o.get("searches"), "searches", TOP.get(item));
    } else if (operation.equals("batch_update")) {
      JsonNode ops = o.get("operations");
      if (ops != null && ops.isArray()) {
        for (int i = 0; i < ops.size(); i++) {
          if (ops.get(i) instanceof ObjectNode op && op.size() == 1) {
            String kind = op.fieldNames().next();
            Set<String> known = UPDATES.get(kind);
            if (known != null && op.get(kind) instanceof ObjectNode inner) {
              onlyImplemented(inner, "operations[" + i + "]." + kind, known);
            }
          }
        }
      }
    }
  }

  private static void eachItem(JsonNode items, String path, Set<String> fields) {
    if (items == null || !items.isArray()) {
      return;
    }
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) instanceof ObjectNode item) {
        onlyImplemented(item, path + "[" + i + "]", fields);
      }
    }
  }

  /** The operations whose top-level fields are listed here. */
  static Set<String> operations() {
    return TOP.keySet();
  }

  private static Set<String> with(Set<String> base, String... more) {
    Set<String> out = new HashSet<>(base);
    out.addAll(Set.of(more));
    return Set.copyOf(out);
  }

  private static Set<String> without(Set<String> base, String... less) {
    Set<String> out = new HashSet<>(base);
    Set.of(less).forEach(out::remove);
    return Set.copyOf(out);
  }
}
