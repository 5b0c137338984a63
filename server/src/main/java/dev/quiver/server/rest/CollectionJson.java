package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.cluster.RecoveryPriority;
import dev.quiver.cluster.ShardOperation;
import dev.quiver.cluster.TransferMethod;
import dev.quiver.server.request.CollectionUpdate;
import dev.quiver.server.request.CreateCollection;
import dev.quiver.server.request.ImplementedFields;
import dev.quiver.server.request.PayloadIndexParams;
import dev.quiver.server.request.RequestException;
import dev.quiver.server.request.SparseSettings;
import dev.quiver.server.request.StrictModeSettings;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.HnswDiff;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.ShardingMethod;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.TextAnalyzer;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorDatatype;
import dev.quiver.storage.VectorParams;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes the collection-level REST bodies: create and update, payload indexes, aliases, snapshots
 * and shard operations (the point bodies are in {@link PointWriteJson} and {@link ReadJson}).
 */
final class CollectionJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private CollectionJson() {}

  private static final Set<String> CREATE_FIELDS =
      Set.of(
          "vectors",
          "shard_number",
          "sharding_method",
          "replication_factor",
          "write_consistency_factor",
          "on_disk_payload",
          "hnsw_config",
          "optimizers_config",
          "wal_config",
          "sparse_vectors",
          "metadata",
          "strict_mode_config",
          "quantization_config");
  private static final Set<String> UPDATE_FIELDS =
      Set.of(
          "vectors",
          "optimizers_config",
          "params",
          "hnsw_config",
          "sparse_vectors",
          "metadata",
          "strict_mode_config",
          "quantization_config");

  static CreateCollection createCollection(JsonNode body) {
    ObjectNode o = object(body, "");
    onlyImplemented(o, "", CREATE_FIELDS);
    Map<String, VectorParams> vectors = new LinkedHashMap<>();
    Map<String, HnswDiff> vectorHnsw = new LinkedHashMap<>();
    JsonNode v = o.get("vectors");
    if (v != null && !v.isNull()) {
      object(v, "vectors");
      if (v.has("size") || v.has("distance")) {
        vectors.put(CollectionConfig.DEFAULT_VECTOR, vectorParams(v, "vectors"));
        if (v.hasNonNull("hnsw_config")) {
          vectorHnsw.put(CollectionConfig.DEFAULT_VECTOR, hnswDiff((ObjectNode) v));
        }
      } else {
        v.properties()
            .forEach(
                e -> {
                  vectors.put(e.getKey(), vectorParams(e.getValue(), "vectors." + e.getKey()));
                  if (e.getValue().hasNonNull("hnsw_config")) {
                    vectorHnsw.put(e.getKey(), hnswDiff((ObjectNode) e.getValue()));
                  }
                });
      }
    }
    Map<String, SparseVectorParams> sparse = new LinkedHashMap<>();
    sparseVectors(o).forEach((k, diff) -> sparse.put(k, diff.over(SparseVectorParams.DEFAULT)));
    Integer shards = optInt(o, "shard_number", 1, 65536);
    ShardingMethod method = null;
    if (o.hasNonNull("sharding_method")) {
      method =
          switch (o.get("sharding_method").asText("")) {
            case "auto" -> ShardingMethod.AUTO;
            case "custom" -> ShardingMethod.CUSTOM;
            default ->
                throw new RequestException.Malformed(
                    "Json deserialize error: unknown variant `"
                        + o.get("sharding_method").asText()
                        + "`, expected `auto` or `custom` at sharding_method");
          };
    }
    Integer rf = optInt(o, "replication_factor", 1, 65536);
    Integer wcf = optInt(o, "write_consistency_factor", 1, 65536);
    Boolean onDiskPayload = optBool(o, "on_disk_payload");
    HnswDiff hnsw = hnswDiff(o);
    CollectionUpdate.OptimizersDiff optimizers = optimizersDiff(o);
    CreateCollection.WalDiff wal = null;
    if (o.hasNonNull("wal_config")) {
      ObjectNode w = object(o.get("wal_config"), "wal_config");
      onlyImplemented(w, "wal_config", ImplementedFields.WAL);
      wal =
          new CreateCollection.WalDiff(
              optInt(w, "wal_capacity_mb", 1, 1 << 20),
              optInt(w, "wal_segments_ahead", 0, 1024),
              optInt(w, "wal_retain_closed", 0, 1024));
    }
    return new CreateCollection(
        vectors,
        shards,
        method,
        rf,
        wcf,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        vectorHnsw,
        sparse,
        metadata(o),
        strictMode(o) == null ? null : StrictModeSettings.merged(null, strictMode(o), "JSON body"),
        QuantizationJson.config(o.get("quantization_config"), "quantization_config", false));
  }

  /** {@code strict_mode_config}: a JSON object as given, or null when absent. */
  private static Value.Struct strictMode(ObjectNode o) {
    JsonNode m = o.get("strict_mode_config");
    return m == null || m.isNull() ? null : ValueJson.payload(m, "strict_mode_config");
  }

  /** {@code metadata}: a JSON object, or null when absent. */
  private static Value.Struct metadata(ObjectNode o) {
    JsonNode m = o.get("metadata");
    return m == null || m.isNull() ? null : ValueJson.payload(m, "metadata");
  }

  /** The {@code sparse_vectors} of a create or update body, by name, as the changes they make. */
  private static Map<String, CollectionUpdate.SparseDiff> sparseVectors(ObjectNode o) {
    Map<String, CollectionUpdate.SparseDiff> out = new LinkedHashMap<>();
    if (o.hasNonNull("sparse_vectors")) {
      object(o.get("sparse_vectors"), "sparse_vectors")
          .properties()
          .forEach(
              e -> out.put(e.getKey(), sparseParams(e.getValue(), "sparse_vectors." + e.getKey())));
    }
    return out;
  }

  /** A {@code SparseVectorParams} object, as the changes it makes. */
  private static CollectionUpdate.SparseDiff sparseParams(JsonNode node, String path) {
    ObjectNode o = node == null || node.isNull() ? F.objectNode() : object(node, path);
    onlyImplemented(o, path, ImplementedFields.SPARSE_VECTOR);
    Integer threshold = null;
    Boolean onDisk = null;
    String memory = null;
    VectorDatatype datatype = null;
    if (o.hasNonNull("index")) {
      ObjectNode i = object(o.get("index"), path + ".index");
      onlyImplemented(i, path + ".index", ImplementedFields.SPARSE_INDEX);
      threshold = optInt(i, "full_scan_threshold", 0, Integer.MAX_VALUE);
      onDisk = optBool(i, "on_disk");
      memory = optText(i, "memory", path + ".index.memory");
      String type = optText(i, "datatype", path + ".index.datatype");
      datatype = type == null ? null : datatype(type, path + ".index.datatype");
    }
    SparseVectorParams.Modifier modifier = null;
    String m = optText(o, "modifier", path + ".modifier");
    if (m != null) {
      modifier = SparseSettings.modifier(m);
      if (modifier == null) {
        throw new RequestException.Malformed(
            "Format error in JSON body: unknown variant `"
                + m
                + "`, expected `none` or `idf` at `"
                + path
                + ".modifier`");
      }
    }
    SparseVectorParams checked =
        SparseSettings.params(path, threshold, onDisk, memory, datatype, modifier);
    return CollectionUpdate.SparseDiff.of(checked);
  }

  /** A {@code datatype} by its wire name, or Qdrant's format error naming the alternatives. */
  private static VectorDatatype datatype(String type, String path) {
    VectorDatatype datatype = VectorDatatype.ofWireName(type);
    if (datatype == null) {
      throw new RequestException.Malformed(
          "Format error in JSON body: unknown variant `"
              + type
              + "`, expected one of `float32`, `uint8`, `float16` at `"
              + path
              + "`");
    }
    return datatype;
  }

  private static HnswDiff hnswDiff(ObjectNode o) {
    if (!o.hasNonNull("hnsw_config")) {
      return null;
    }
    ObjectNode h = object(o.get("hnsw_config"), "hnsw_config");
    onlyImplemented(h, "hnsw_config", ImplementedFields.HNSW);
    return new HnswDiff(
        optInt(h, "m", 0, HnswConfig.MAX_M),
        optInt(h, "ef_construct", 4, Integer.MAX_VALUE),
        optInt(h, "full_scan_threshold", 0, Integer.MAX_VALUE),
        optInt(h, "max_indexing_threads", 0, 65536),
        optBool(h, "on_disk"),
        optInt(h, "payload_m", 0, HnswConfig.MAX_M));
  }

  private static CollectionUpdate.OptimizersDiff optimizersDiff(ObjectNode o) {
    if (!o.hasNonNull("optimizers_config")) {
      return null;
    }
    ObjectNode p = object(o.get("optimizers_config"), "optimizers_config");
    onlyImplemented(p, "optimizers_config", ImplementedFields.OPTIMIZERS);
    Double deleted = null;
    if (p.hasNonNull("deleted_threshold")) {
      JsonNode d = p.get("deleted_threshold");
      if (!d.isNumber()) {
        throw malformed(d, "f64", "optimizers_config.deleted_threshold");
      }
      if (d.asDouble() < 0 || d.asDouble() > 1) {
        throw new RequestException.Invalid(
            "JSON body", "optimizers_config.deleted_threshold", "value must be between 0 and 1");
      }
      deleted = d.asDouble();
    }
    return new CollectionUpdate.OptimizersDiff(
        deleted,
        optInt(p, "vacuum_min_vector_number", 100, Integer.MAX_VALUE),
        optInt(p, "default_segment_number", 0, 65536),
        optInt(p, "max_segment_size", 1, Integer.MAX_VALUE),
        optInt(p, "indexing_threshold", 0, Integer.MAX_VALUE),
        optInt(p, "flush_interval_sec", 0, Integer.MAX_VALUE),
        "auto".equals(p.path("max_optimization_threads").textValue())
            ? Integer.valueOf(CollectionUpdate.OptimizersDiff.AUTO_THREADS)
            : optInt(p, "max_optimization_threads", 0, 65536));
  }

  /** A payload index to create: the field and its schema. */
  record FieldIndex(String field, PayloadIndexSpec spec) {}

  /**
   * The body of {@code PUT /collections/{c}/index}: {@code field_name} and {@code field_schema}, a
   * type name or {@code {"type": ..., ...params}}.
   */
  static FieldIndex createFieldIndex(JsonNode body) {
    ObjectNode o = object(body, "");
    String field = text(required(o, "field_name", ""), "field_name");
    if (field.isEmpty()) {
      throw new RequestException.Invalid("JSON body", "field_name", "must not be empty");
    }
    JsonNode schema = o.get("field_schema");
    if (schema == null || schema.isNull()) {
      throw new RequestException.Invalid(
          "JSON body", "field_schema", "a field schema (type) is required");
    }
    String type;
    Value.Struct params = null;
    if (schema.isTextual()) {
      type = schema.asText();
    } else if (schema.isObject() && schema.path("type").isTextual()) {
      type = schema.get("type").asText();
      params = ValueJson.payload(schema, "field_schema");
    } else {
      throw malformed(schema, "a payload schema type or params", "field_schema");
    }
    if (!PayloadIndexSpec.TYPES.contains(type)) {
      throw new RequestException.Malformed(
          "Json deserialize error: unknown variant `"
              + type
              + "`, expected one of keyword, integer, float, geo, text, bool, datetime, uuid at"
              + " field_schema");
    }
    PayloadIndexParams.check(type, params, "field_schema");
    if (type.equals("text")) {
      TextAnalyzer.of(params); // refuses values the analysis cannot honour, by name
    }
    return new FieldIndex(field, new PayloadIndexSpec(type, params));
  }

  /** One {@code payload_schema} entry: {@code {data_type, params?, points}}. */
  static ObjectNode payloadIndexInfo(PayloadIndexSpec spec, long points) {
    ObjectNode o = F.objectNode();
    o.put("data_type", spec.dataType());
    if (spec.params() != null) {
      o.set("params", ValueJson.json(spec.params()));
    }
    o.put("points", points);
    return o;
  }

  /**
   * The body of {@code POST /collections/aliases}: {@code {"actions": [{"create_alias":
   * {"collection_name", "alias_name"}} | {"delete_alias": {"alias_name"}} | {"rename_alias":
   * {"old_alias_name", "new_alias_name"}}]}}.
   */
  static List<AliasAction> aliasActions(JsonNode body) {
    ObjectNode o = object(body, "");
    ArrayNode actions = array(required(o, "actions", ""), "actions");
    List<AliasAction> out = new ArrayList<>();
    for (int i = 0; i < actions.size(); i++) {
      String path = "actions[" + i + "]";
      ObjectNode a = object(actions.get(i), path);
      if (a.size() != 1) {
        throw new RequestException.Malformed(
            "Json deserialize error: expected one of create_alias, delete_alias, rename_alias at "
                + path);
      }
      String kind = a.fieldNames().next();
      String at = path + "." + kind;
      ObjectNode v = object(a.get(kind), at);
      out.add(
          switch (kind) {
            case "create_alias" ->
                new AliasAction.Create(
                    text(required(v, "alias_name", at), at + ".alias_name"),
                    text(required(v, "collection_name", at), at + ".collection_name"));
            case "delete_alias" ->
                new AliasAction.Delete(text(required(v, "alias_name", at), at + ".alias_name"));
            case "rename_alias" ->
                new AliasAction.Rename(
                    text(required(v, "old_alias_name", at), at + ".old_alias_name"),
                    text(required(v, "new_alias_name", at), at + ".new_alias_name"));
            default ->
                throw new RequestException.Malformed(
                    "Json deserialize error: unknown variant `" + kind + "` at " + path);
          });
    }
    return out;
  }

  /** The body of {@code PATCH /collections/{name}}. */
  static CollectionUpdate updateCollection(JsonNode body) {
    ObjectNode o = body == null || body.isNull() ? F.objectNode() : object(body, "");
    onlyImplemented(o, "", UPDATE_FIELDS);
    Map<String, Quantization> vectorQuantization = new LinkedHashMap<>();
    if (o.hasNonNull("vectors")) {
      object(o.get("vectors"), "vectors")
          .properties()
          .forEach(
              e -> {
                String at = e.getKey().isEmpty() ? "vectors" : "vectors." + e.getKey();
                ObjectNode diff = object(e.getValue(), at);
                onlyImplemented(diff, at, Set.of("quantization_config"));
                Quantization q =
                    QuantizationJson.config(
                        diff.get("quantization_config"), at + ".quantization_config", true);
                if (q != null) {
                  vectorQuantization.put(e.getKey(), q);
                }
              });
    }
    Map<String, CollectionUpdate.SparseDiff> sparse = sparseVectors(o);
    Integer rf = null;
    Integer wcf = null;
    Boolean onDiskPayload = null;
    if (o.hasNonNull("params")) {
      ObjectNode p = object(o.get("params"), "params");
      onlyImplemented(p, "params", ImplementedFields.COLLECTION_PARAMS);
      rf = optInt(p, "replication_factor", 1, 65536);
      wcf = optInt(p, "write_consistency_factor", 1, 65536);
      onDiskPayload = optBool(p, "on_disk_payload");
    }
    return new CollectionUpdate(
        optimizersDiff(o),
        hnswDiff(o),
        rf,
        wcf,
        onDiskPayload,
        sparse,
        metadata(o),
        strictMode(o),
        QuantizationJson.config(o.get("quantization_config"), "quantization_config", true),
        vectorQuantization);
  }

  /**
   * A {@code VectorNameConfig}: {@code {"dense": VectorParams}} or {@code {"sparse":
   * SparseVectorParams}}; exactly one of the two is returned, the other is null.
   */
  public record VectorNameConfig(VectorParams dense, SparseVectorParams sparse) {}

  public static VectorNameConfig vectorNameConfig(JsonNode body) {
    ObjectNode o = object(body, "");
    if (o.has("sparse") && !o.has("dense")) {
      return new VectorNameConfig(
          null, sparseParams(o.get("sparse"), "sparse").over(SparseVectorParams.DEFAULT));
    }
    return new VectorNameConfig(vectorParams(required(o, "dense", ""), "dense"), null);
  }

  private static VectorParams vectorParams(JsonNode node, String path) {
    ObjectNode o = object(node, path);
    onlyImplemented(o, path, ImplementedFields.VECTOR);
    JsonNode size = o.get("size");
    if (size == null || size.isNull()) {
      throw new RequestException.Malformed(
          "Format error in JSON body: missing field `size` at `" + path + "`");
    }
    long s = u64(size, path + ".size");
    if (s < 1 || s > VectorParams.MAX_SIZE) {
      throw new RequestException.Invalid(
          BODY,
          path + ".size",
          "value " + s + " invalid, must be from 1 to " + VectorParams.MAX_SIZE);
    }
    JsonNode d = o.get("distance");
    if (d == null || d.isNull()) {
      throw new RequestException.Malformed(
          "Format error in JSON body: missing field `distance` at `" + path + "`");
    }
    Distance distance = d.isTextual() ? Distance.fromWireName(d.asText()) : null;
    if (distance == null) {
      throw new RequestException.Malformed(
          "Format error in JSON body: unknown variant `"
              + d.asText()
              + "`, expected one of `Cosine`, `Euclid`, `Dot`, `Manhattan` at `"
              + path
              + ".distance`");
    }
    boolean multivector = false;
    if (o.hasNonNull("multivector_config")) {
      ObjectNode m = object(o.get("multivector_config"), path + ".multivector_config");
      String comparator = m.path("comparator").asText("");
      if (!comparator.equals("max_sim")) {
        throw new RequestException.Malformed(
            "Format error in JSON body: unknown variant `"
                + comparator
                + "`, expected `max_sim` at `"
                + path
                + ".multivector_config.comparator`");
      }
      multivector = true;
    }
    VectorDatatype datatype =
        o.hasNonNull("datatype")
            ? datatype(o.get("datatype").asText(""), path + ".datatype")
            : null;
    multivectorOf(multivector, distance, path);
    Quantization own =
        QuantizationJson.config(o.get("quantization_config"), path + ".quantization_config", false);
    try {
      return new VectorParams(
          (int) s, distance, optBool(o, "on_disk"), null, multivector, datatype, own);
    } catch (IllegalArgumentException e) {
      throw new RequestException.Unsupported(
          "Bad request: `" + path + "` is not supported by Quiver: " + e.getMessage());
    }
  }

  /** A multivector flag, refused for distances Quiver's MaxSim does not score. */
  private static boolean multivectorOf(boolean multivector, Distance distance, String path) {
    if (multivector && distance != Distance.DOT && distance != Distance.COSINE) {
      throw new RequestException.Unsupported(
          "Bad request: `"
              + path
              + ".multivector_config` with "
              + distance.wireName()
              + " is not supported by Quiver: multivectors are scored with Dot or Cosine");
    }
    return multivector;
  }

  /** A snapshot as Qdrant describes it; {@code creation_time} is UTC without a zone. */
  public static ObjectNode snapshot(SnapshotStore.Description d) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("name", d.name());
    o.put(
        "creation_time",
        LocalDateTime.ofInstant(d.creationTime().truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC)
            .toString());
    o.put("size", d.size());
    if (d.checksum() == null) {
      o.putNull("checksum");
    } else {
      o.put("checksum", d.checksum());
    }
    return o;
  }

  /**
   * The body of a snapshot recovery. {@code apiKey}: sent as the {@code api-key} header when the
   * location is an http(s) URL; {@code priority} the default ({@code replica}) when absent.
   */
  public record Recover(URI location, String checksum, String apiKey, RecoveryPriority priority) {}

  public static Recover recover(JsonNode body) {
    if (!(body instanceof ObjectNode o)) {
      throw malformed(body, "object", "");
    }
    String location = text(required(o, "location", ""), "location");
    URI uri;
    try {
      uri = new URI(location);
    } catch (URISyntaxException e) {
      throw new RequestException.Invalid("JSON body", "location", "not a URL: " + e.getReason());
    }
    JsonNode sum = o.get("checksum");
    String checksum = sum == null || sum.isNull() ? null : text(sum, "checksum");
    JsonNode priority = o.get("priority");
    RecoveryPriority chosen = RecoveryPriority.REPLICA;
    if (priority != null && !priority.isNull()) {
      String p = text(priority, "priority");
      chosen = RecoveryPriority.ofApiName(p);
      if (chosen == null) {
        throw new RequestException.Malformed(
            "Format error in JSON body: unknown variant `"
                + p
                + "`, expected one of `no_sync`, `snapshot`, `replica` at `priority`");
      }
    }
    JsonNode key = o.get("api_key");
    return new Recover(
        uri, checksum, key == null || key.isNull() ? null : text(key, "api_key"), chosen);
  }

  /**
   * The body of {@code POST /collections/{c}/cluster}: exactly one of {@code move_shard}, {@code
   * replicate_shard}, {@code drop_replica}, {@code abort_transfer}, {@code create_sharding_key},
   * {@code drop_sharding_key}, {@code replicate_points}, {@code restart_transfer}, {@code
   * start_resharding}, {@code abort_resharding}.
   */
  public static ShardOperation shardOperation(JsonNode body) {
    if (!(body instanceof ObjectNode o) || o.size() != 1) {
      throw new RequestException.Malformed(
          "Format error in JSON body: expected exactly one of move_shard, replicate_shard,"
              + " drop_replica, abort_transfer");
    }
    String kind = o.fieldNames().next();
    JsonNode op = o.get(kind);
    if (!(op instanceof ObjectNode)) {
      throw malformed(op, "object", kind);
    }
    return switch (kind) {
      case "move_shard", "replicate_shard", "abort_transfer", "restart_transfer" -> {
        onlyImplemented(
            (ObjectNode) op,
            kind,
            kind.equals("abort_transfer")
                ? RequestFields.ShardOps.ABORT
                : RequestFields.ShardOps.TRANSFER);
        int shard = (int) shardId(op, kind);
        long from = u64(required(op, "from_peer_id", kind), kind + ".from_peer_id");
        long to = u64(required(op, "to_peer_id", kind), kind + ".to_peer_id");
        if (from == to && !kind.equals("abort_transfer")) {
          throw new RequestException.Invalid(
              "JSON body", kind + ".to_peer_id", "cannot transfer shard to itself");
        }
        TransferMethod method = transferMethod(op.get("method"), kind + ".method");
        yield switch (kind) {
          case "move_shard" -> new ShardOperation.Move(shard, from, to, method);
          case "replicate_shard" -> new ShardOperation.Replicate(shard, from, to, method);
          case "restart_transfer" -> {
            if (method == null) {
              throw new RequestException.Malformed(
                  "Format error in JSON body: missing field `method` at `restart_transfer`");
            }
            yield new ShardOperation.RestartTransfer(shard, from, to, method);
          }
          default -> new ShardOperation.AbortTransfer(shard, from, to);
        };
      }
      case "drop_replica" -> {
        onlyImplemented((ObjectNode) op, kind, RequestFields.ShardOps.DROP_REPLICA);
        yield new ShardOperation.DropReplica(
            (int) shardId(op, kind), u64(required(op, "peer_id", kind), kind + ".peer_id"));
      }
      case "create_sharding_key" -> createShardKey(op, kind);
      case "drop_sharding_key" -> dropShardKey(op, kind);
      case "replicate_points" -> {
        onlyImplemented((ObjectNode) op, kind, RequestFields.ShardOps.REPLICATE_POINTS);
        yield new ShardOperation.ReplicatePoints(
            ValueJson.shardKey(required(op, "from_shard_key", kind), kind + ".from_shard_key"),
            ValueJson.shardKey(required(op, "to_shard_key", kind), kind + ".to_shard_key"),
            FilterJson.parse(op.get("filter"), kind + ".filter"));
      }
      case "start_resharding" -> {
        onlyImplemented((ObjectNode) op, kind, RequestFields.ShardOps.START_RESHARDING);
        JsonNode direction = required(op, "direction", kind);
        String d = direction.isTextual() ? direction.asText() : "";
        if (!d.equals("up") && !d.equals("down")) {
          throw new RequestException.Malformed(
              "Format error in JSON body: unknown variant `"
                  + direction.asText()
                  + "`, expected `up` or `down` at `start_resharding.direction`");
        }
        JsonNode peer = op.get("peer_id");
        JsonNode key = op.get("shard_key");
        yield new ShardOperation.StartResharding(
            d.equals("up"),
            peer == null || peer.isNull() ? null : u64(peer, kind + ".peer_id"),
            key == null || key.isNull() ? null : ValueJson.shardKey(key, kind + ".shard_key"));
      }
      case "abort_resharding" -> {
        onlyImplemented((ObjectNode) op, kind, Set.of());
        yield new ShardOperation.AbortResharding();
      }
      default ->
          throw new RequestException.Malformed(
              "Format error in JSON body: unknown variant `" + kind + "`");
    };
  }

  /** A shard transfer's {@code method}; null when absent. */
  private static TransferMethod transferMethod(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    String name = node.isTextual() ? node.asText() : null;
    if ("resharding_stream_records".equals(name)) {
      throw new RequestException.Unsupported(
          path
              + " resharding_stream_records is not supported by Quiver: a resharding copies its points itself"
              + " (start one with start_resharding)");
    }
    TransferMethod m = name == null ? null : TransferMethod.ofApiName(name);
    if (m == null) {
      throw new RequestException.Malformed(
          "Format error in JSON body: unknown variant `"
              + node.asText()
              + "`, expected one of `stream_records`, `snapshot`, `wal_delta`,"
              + " `resharding_stream_records` at `"
              + path
              + "`");
    }
    return m;
  }

  private static long shardId(JsonNode op, String kind) {
    long shard = u64(required(op, "shard_id", kind), kind + ".shard_id");
    if (shard > Integer.MAX_VALUE) {
      throw malformed(op.get("shard_id"), "u32", kind + ".shard_id");
    }
    return shard;
  }

  /** The body of {@code PUT /collections/{c}/shards} and of {@code create_sharding_key}. */
  static ShardOperation.CreateShardKey createShardKey(JsonNode body, String path) {
    ObjectNode o = object(body, path);
    onlyImplemented(o, path, RequestFields.ShardOps.CREATE_KEY);
    ShardKey key = ValueJson.shardKey(required(o, "shard_key", path), prefixed(path, "shard_key"));
    Integer shards = optInt(o, "shards_number", 1, 65536);
    Integer rf = optInt(o, "replication_factor", 1, 65536);
    List<Long> placement = new ArrayList<>();
    if (o.hasNonNull("placement")) {
      ArrayNode peers = array(o.get("placement"), prefixed(path, "placement"));
      for (int i = 0; i < peers.size(); i++) {
        placement.add(u64(peers.get(i), prefixed(path, "placement[" + i + "]")));
      }
    }
    return new ShardOperation.CreateShardKey(key, shards, rf, placement);
  }

  /** The body of {@code POST /collections/{c}/shards/delete} and of {@code drop_sharding_key}. */
  static ShardOperation.DropShardKey dropShardKey(JsonNode body, String path) {
    ObjectNode o = object(body, path);
    onlyImplemented(o, path, RequestFields.ShardOps.DROP_KEY);
    return new ShardOperation.DropShardKey(
        ValueJson.shardKey(required(o, "shard_key", path), prefixed(path, "shard_key")));
  }

  private static String prefixed(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
