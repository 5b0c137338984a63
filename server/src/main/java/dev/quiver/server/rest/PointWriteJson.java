package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.request.PointVectors;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * The bodies of point writes (upsert, vector and payload updates, deletes, batches) and their
 * results. Shape errors become {@link RequestException.Malformed} (400), rule violations {@link
 * RequestException.Invalid} (422). Stateless and thread-safe.
 */
final class PointWriteJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private PointWriteJson() {}

  // ---------------------------------------------------------------- requests

  /** The items of a batch request's array {@code field} (required, each an object). */
  static List<JsonNode> batchItems(JsonNode body, String field) {
    ObjectNode o = object(body, "");
    ArrayNode items = array(required(o, field, ""), field);
    List<JsonNode> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      out.add(object(items.get(i), field + "[" + i + "]"));
    }
    return out;
  }

  /** One operation of {@code POST /points/batch}, with the shards it addresses. */
  record BatchOp(UpdateOp op, ShardSelector shards) {}

  static List<BatchOp> batchOperations(JsonNode body) {
    List<BatchOp> out = new ArrayList<>();
    List<JsonNode> items = batchItems(body, "operations");
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      if (item.size() != 1) {
        throw new RequestException.Malformed(
            "Json deserialize error: an operation has exactly one kind at operations[" + i + "]");
      }
      String kind = item.fieldNames().next();
      JsonNode v = object(item.get(kind), "operations[" + i + "]." + kind);
      UpdateOp op =
          switch (kind) {
            case "upsert" -> upsert(v);
            case "delete" -> deletePoints(v);
            case "set_payload" -> setPayload(v, false);
            case "overwrite_payload" -> setPayload(v, true);
            case "delete_payload" -> deletePayload(v);
            case "clear_payload" -> new UpdateOp.ClearPayload(selector(v));
            case "update_vectors" -> updateVectors(v);
            case "delete_vectors" -> deleteVectors(v);
            default ->
                throw new RequestException.Malformed(
                    "Json deserialize error: unknown variant `"
                        + kind
                        + "` at operations["
                        + i
                        + "]");
          };
      out.add(new BatchOp(op, ValueJson.shardSelector(v)));
    }
    return out;
  }

  /** {@code PointsList} ({@code points}) or {@code PointsBatch} ({@code batch}). */
  /** A {@code PointInsertOperations} body: points or a batch, with its {@code update_mode}. */
  static UpdateOp.Upsert upsert(JsonNode body) {
    ObjectNode o = object(body, "");
    UpdateOp.Upsert.Mode mode = UpdateOp.Upsert.Mode.UPSERT;
    JsonNode m = o.get("update_mode");
    if (m != null && !m.isNull()) {
      mode = m.isTextual() ? UpdateOp.Upsert.Mode.ofWireName(m.asText()) : null;
      if (mode == null) {
        throw new RequestException.Malformed(
            "Format error in JSON body: unknown variant `"
                + m.asText()
                + "`, expected one of `upsert`, `insert_only`, `update_only` at `update_mode`");
      }
    }
    return new UpdateOp.Upsert(
        upsertPoints(o), mode, FilterJson.parse(o.get("update_filter"), "update_filter"));
  }

  private static List<Point> upsertPoints(ObjectNode o) {
    if (o.has("points")) {
      ArrayNode arr = array(o.get("points"), "points");
      List<Point> points = new ArrayList<>(arr.size());
      for (int i = 0; i < arr.size(); i++) {
        String at = "points[" + i + "]";
        ObjectNode p = object(arr.get(i), at);
        onlyImplemented(p, at, RequestFields.UPSERT_POINT);
        PointId id = ValueJson.pointId(required(p, "id", at), at + ".id");
        PointVectors vectors = VectorJson.vectorStruct(required(p, "vector", at), at + ".vector");
        points.add(vectors.point(id, ValueJson.payload(p.get("payload"), at + ".payload")));
      }
      return points;
    }
    if (o.has("batch")) {
      ObjectNode b = object(o.get("batch"), "batch");
      onlyImplemented(b, "batch", RequestFields.UPSERT_BATCH);
      ArrayNode ids = array(required(b, "ids", "batch"), "batch.ids");
      JsonNode vectors = required(b, "vectors", "batch");
      List<PointVectors> perPoint = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        perPoint.add(new PointVectors());
      }
      if (vectors.isArray()) {
        fillBatch(perPoint, CollectionConfig.DEFAULT_VECTOR, (ArrayNode) vectors, "batch.vectors");
      } else {
        object(vectors, "batch.vectors")
            .properties()
            .forEach(
                e ->
                    fillBatch(
                        perPoint,
                        e.getKey(),
                        array(e.getValue(), "batch.vectors." + e.getKey()),
                        "batch.vectors." + e.getKey()));
      }
      JsonNode payloads = b.get("payloads");
      if (payloads != null
          && !payloads.isNull()
          && array(payloads, "batch.payloads").size() != ids.size()) {
        throw new RequestException.Invalid(
            BODY, "batch.payloads", "number of payloads does not match number of ids");
      }
      List<Point> points = new ArrayList<>(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        JsonNode pl = payloads == null || payloads.isNull() ? null : payloads.get(i);
        points.add(
            perPoint
                .get(i)
                .point(
                    ValueJson.pointId(ids.get(i), "batch.ids[" + i + "]"),
                    ValueJson.payload(pl, "batch.payloads[" + i + "]")));
      }
      return points;
    }
    throw new RequestException.Malformed(
        "Format error in JSON body: data did not match any variant of untagged enum PointInsertOperations");
  }

  private static void fillBatch(
      List<PointVectors> perPoint, String name, ArrayNode vectors, String path) {
    if (vectors.size() != perPoint.size()) {
      throw new RequestException.Invalid(
          BODY, path, "number of vectors does not match number of ids");
    }
    for (int i = 0; i < vectors.size(); i++) {
      VectorJson.putVector(perPoint.get(i), name, vectors.get(i), path + "[" + i + "]");
    }
  }

  /** {@code UpdateVectors}: {@code {"points": [{"id", "vector"}]}}. */
  static UpdateOp updateVectors(JsonNode body) {
    ObjectNode o = object(body, "");
    ArrayNode arr = array(required(o, "points", ""), "points");
    List<Point> points = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      String at = "points[" + i + "]";
      ObjectNode p = object(arr.get(i), at);
      onlyImplemented(p, at, RequestFields.VECTORS_POINT);
      points.add(
          VectorJson.vectorStruct(required(p, "vector", at), at + ".vector")
              .point(ValueJson.pointId(required(p, "id", at), at + ".id"), null));
    }
    return new UpdateOp.UpdateVectors(
        points, FilterJson.parse(o.get("update_filter"), "update_filter"));
  }

  /** {@code DeleteVectors}: the points or filter, and {@code vector}, the names to remove. */
  static UpdateOp deleteVectors(JsonNode body) {
    ObjectNode o = object(body, "");
    return new UpdateOp.DeleteVectors(selector(o), strings(required(o, "vector", ""), "vector"));
  }

  /** {@code PointIdsList} ({@code points}) or {@code FilterSelector} ({@code filter}). */
  static PointSelector selector(JsonNode body) {
    ObjectNode o = object(body, "");
    if (o.hasNonNull("points")) {
      return new PointSelector.Ids(ValueJson.pointIds(o.get("points"), "points"));
    }
    if (o.hasNonNull("filter")) {
      return new PointSelector.ByFilter(FilterJson.parse(o.get("filter"), "filter"));
    }
    throw new RequestException.Invalid(BODY, "points", "either points or filter must be given");
  }

  /** A delete: by ids or by filter. */
  static UpdateOp deletePoints(JsonNode body) {
    return UpdateOp.delete(selector(body));
  }

  /** {@code SetPayload}: payload, the points or filter, and an optional nested key. */
  static UpdateOp setPayload(JsonNode body, boolean overwrite) {
    ObjectNode o = object(body, "");
    Value.Struct payload = ValueJson.payload(required(o, "payload", ""), "payload");
    var selector = selector(o);
    if (overwrite) {
      return new UpdateOp.OverwritePayload(selector, payload);
    }
    String key = o.hasNonNull("key") ? text(o.get("key"), "key") : null;
    return new UpdateOp.SetPayload(selector, payload, key);
  }

  /** {@code DeletePayload}: keys, and the points or filter. */
  static UpdateOp deletePayload(JsonNode body) {
    ObjectNode o = object(body, "");
    return new UpdateOp.DeletePayload(selector(o), strings(required(o, "keys", ""), "keys"));
  }

  static JsonNode updateResult(UpdateResult r) {
    ObjectNode o = F.objectNode();
    o.put("operation_id", r.operationId());
    o.put("status", r.status() == UpdateResult.Status.COMPLETED ? "completed" : "acknowledged");
    return o;
  }
}
