package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.query.Groups;
import dev.quiver.server.query.Ordering;
import dev.quiver.server.request.Bm25;
import dev.quiver.server.request.ImplementedFields;
import dev.quiver.server.request.PointVectors;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Converts between Qdrant's REST JSON shapes and the domain types. Shape errors become {@link
 * RequestException.Malformed} (400), rule violations {@link RequestException.Invalid} (422).
 * Stateless and thread-safe.
 */
final class JsonCodec {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private JsonCodec() {}

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
      out.add(new BatchOp(op, shardSelector(v)));
    }
    return out;
  }

  /** The grouping of a groups request: the payload key and the points per group. */
  record GroupsParams(String groupBy, int groupSize, Groups.WithLookup withLookup) {}

  static GroupsParams groups(JsonNode body, boolean query) {
    ObjectNode o = object(body, "");
    String groupBy = text(required(o, "group_by", ""), "group_by");
    if (groupBy.isEmpty()) {
      throw new RequestException.Invalid(BODY, "group_by", "must not be empty");
    }
    Integer size = optInt(o, "group_size", 1, 1 << 16);
    if (size == null && !query) {
      required(o, "group_size", "");
    }
    return new GroupsParams(groupBy, size == null ? 3 : size, withLookup(o.get("with_lookup")));
  }

  /**
   * {@code with_lookup}: a collection name, or {@code {collection, with_payload, with_vectors}}.
   */
  private static Groups.WithLookup withLookup(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return new Groups.WithLookup(n.asText(), WithPayload.ALL, WithVectors.NONE);
    }
    ObjectNode o = object(n, "with_lookup");
    onlyImplemented(
        o, "with_lookup", Set.of("collection", "with_payload", "with_vector", "with_vectors"));
    return new Groups.WithLookup(
        text(required(o, "collection", "with_lookup"), "with_lookup.collection"),
        withPayload(o.get("with_payload"), WithPayload.ALL),
        withVectors(vectorSelector(o), WithVectors.NONE));
  }

  /** A {@code SearchMatrixRequest}. */
  record Matrix(Filter filter, int sample, int limit, String using) {}

  static Matrix matrix(JsonNode body) {
    ObjectNode o = object(body, "");
    Integer sample = optInt(o, "sample", 2, 1 << 16);
    Integer limit = optInt(o, "limit", 1, 1 << 16);
    return new Matrix(
        FilterJson.parse(o.get("filter"), "filter"),
        sample == null ? 10 : sample,
        limit == null ? 3 : limit,
        o.hasNonNull("using") ? text(o.get("using"), "using") : CollectionConfig.DEFAULT_VECTOR);
  }

  /** A {@code FacetRequest}. */
  record Facet(String key, Filter filter, int limit) {}

  static Facet facet(JsonNode body) {
    ObjectNode o = object(body, "");
    Integer limit = optInt(o, "limit", 1, 1 << 20);
    return new Facet(
        text(required(o, "key", ""), "key"),
        FilterJson.parse(o.get("filter"), "filter"),
        limit == null ? 10 : limit);
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
        PointId id = pointId(required(p, "id", at), at + ".id");
        PointVectors vectors = vectorStruct(required(p, "vector", at), at + ".vector");
        points.add(vectors.point(id, payload(p.get("payload"), at + ".payload")));
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
                    pointId(ids.get(i), "batch.ids[" + i + "]"),
                    payload(pl, "batch.payloads[" + i + "]")));
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
      putVector(perPoint.get(i), name, vectors.get(i), path + "[" + i + "]");
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
          vectorStruct(required(p, "vector", at), at + ".vector")
              .point(pointId(required(p, "id", at), at + ".id"), null));
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
      return new PointSelector.Ids(pointIds(o.get("points"), "points"));
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
    Value.Struct payload = payload(required(o, "payload", ""), "payload");
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

  /** A {@code PointRequest}: ids plus the payload and vector selectors. */
  record Retrieve(List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {}

  static Retrieve retrieve(JsonNode body) {
    ObjectNode o = object(body, "");
    return new Retrieve(
        pointIds(required(o, "ids", ""), "ids"),
        withPayload(o.get("with_payload"), WithPayload.ALL),
        withVectors(vectorSelector(o), WithVectors.NONE));
  }

  /** A {@code ScrollRequest}. */
  record Scroll(
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors,
      Ordering.OrderBy orderBy) {}

  static Scroll scroll(JsonNode body) {
    ObjectNode o = object(body, "");
    JsonNode off = o.get("offset");
    var orderBy = orderBy(o.get("order_by"));
    if (orderBy != null && off != null && !off.isNull()) {
      throw new RequestException.Invalid(
          BODY, "offset", "cannot be used with order_by; use order_by.start_from");
    }
    return new Scroll(
        FilterJson.parse(o.get("filter"), "filter"),
        off == null || off.isNull() ? null : pointId(off, "offset"),
        o.hasNonNull("limit") ? limit(o, false) : 10,
        withPayload(o.get("with_payload"), WithPayload.ALL),
        withVectors(vectorSelector(o), WithVectors.NONE),
        orderBy);
  }

  /** {@code order_by}: a key, or {@code {"key", "direction", "start_from"}}; null when absent. */
  static Ordering.OrderBy orderBy(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return new Ordering.OrderBy(n.asText(), false, null);
    }
    ObjectNode o = object(n, "order_by");
    onlyImplemented(o, "order_by", Set.of("key", "direction", "start_from"));
    String key = text(required(o, "key", "order_by"), "order_by.key");
    boolean descending = false;
    if (o.hasNonNull("direction")) {
      descending =
          switch (o.get("direction").asText("")) {
            case "asc" -> false;
            case "desc" -> true;
            default ->
                throw new RequestException.Malformed(
                    "Json deserialize error: unknown variant `"
                        + o.get("direction").asText()
                        + "`, expected `asc` or `desc` at order_by.direction");
          };
    }
    Double start = null;
    if (o.hasNonNull("start_from")) {
      JsonNode sf = o.get("start_from");
      if (sf.isNumber()) {
        start = sf.asDouble();
      } else if (sf.isTextual() && Ordering.micros(sf.asText()) != null) {
        start = Ordering.micros(sf.asText());
      } else {
        throw malformed(sf, "a number or an RFC 3339 date-time", "order_by.start_from");
      }
    }
    return new Ordering.OrderBy(key, descending, start);
  }

  /** The filter of a {@code CountRequest} ({@code exact} is accepted: counts are always exact). */
  static Filter countFilter(JsonNode body) {
    ObjectNode o = object(body, "");
    optBool(o, "exact");
    return FilterJson.parse(o.get("filter"), "filter");
  }

  /** The deprecated {@code POST /points/search} body ({@code SearchRequest}). */
  static SearchRequest search(JsonNode body) {
    ObjectNode o = object(body, "");
    JsonNode v = required(o, "vector", "");
    String name = CollectionConfig.DEFAULT_VECTOR;
    float[] vector;
    if (v.isObject() && v.has("vector")) {
      onlyImplemented((ObjectNode) v, "vector", Set.of("name", "vector"));
      name = text(required(v, "name", "vector"), "vector.name");
      if (v.get("vector").isObject()) { // a NamedSparseVector
        SparseVector sparse = sparseVector(v.get("vector"), "vector.vector");
        SearchRequest dense = request(o, name, new float[0], limit(o, true));
        if (dense.hnswEf() != null) {
          throw new RequestException.Unsupported(
              "Bad request: `params.hnsw_ef` does not apply to a sparse vector's search");
        }
        return SearchRequest.sparse(
            name,
            sparse,
            dense.limit(),
            dense.offset(),
            dense.scoreThreshold(),
            dense.withPayload(),
            dense.withVectors(),
            dense.exact(),
            dense.filter());
      }
      vector = denseVector(v.get("vector"), "vector.vector");
    } else {
      vector = denseVector(v, "vector");
    }
    return request(o, name, vector, limit(o, true));
  }

  /** A search's settings from a request body: offset, threshold, selectors, params, filter. */
  private static SearchRequest request(ObjectNode o, String using, float[] vector, int limit) {
    return new SearchRequest(
        using,
        vector,
        limit,
        offset(o),
        optFloat(o, "score_threshold"),
        withPayload(o.get("with_payload"), WithPayload.NONE),
        withVectors(vectorSelector(o), WithVectors.NONE),
        hnswEf(o),
        exact(o),
        FilterJson.parse(o.get("filter"), "filter"),
        null,
        QuantizationJson.params(o));
  }

  /** {@code params.hnsw_ef}, or null; refuses search parameters Quiver does not implement. */
  static Integer hnswEf(ObjectNode o) {
    JsonNode p = o.get("params");
    if (p == null || p.isNull()) {
      return null;
    }
    ObjectNode params = object(p, "params");
    onlyImplemented(params, "params", ImplementedFields.SEARCH_PARAMS);
    Boolean indexedOnly = optBool(params, "indexed_only");
    if (indexedOnly != null && indexedOnly) {
      throw new RequestException.Unsupported(
          "Bad request: `params.indexed_only: true` is not supported by Quiver; a shard's points"
              + " are searched whether or not the graph holds them yet");
    }
    return optInt(params, "hnsw_ef", 1, 1 << 20);
  }

  /** {@code params.exact}. */
  static boolean exact(ObjectNode o) {
    JsonNode p = o.get("params");
    if (p == null || p.isNull()) {
      return false;
    }
    Boolean b = optBool(object(p, "params"), "exact");
    return b != null && b;
  }

  static JsonNode vectorSelector(ObjectNode o) {
    return o.has("with_vector") ? o.get("with_vector") : o.get("with_vectors");
  }

  /**
   * A request's {@code limit}; where it is required (search, recommend, discover) {@code top} is
   * accepted in its place, as Qdrant accepts the old name.
   */
  static int limit(ObjectNode o, boolean required) {
    JsonNode l = o.get("limit");
    if (required && o.hasNonNull("top")) {
      if (l != null && !l.isNull()) {
        throw new RequestException.Malformed("Format error in JSON body: duplicate field `limit`");
      }
      l = o.get("top");
    }
    if (l == null || l.isNull()) {
      if (required) {
        throw new RequestException.Malformed("Format error in JSON body: missing field `limit`");
      }
      return 10;
    }
    long v = u64(l, "limit");
    if (v < 1) {
      throw new RequestException.Invalid(BODY, "limit", "value 0 invalid, must be 1.0 or larger");
    }
    return (int) Math.min(v, Integer.MAX_VALUE - 1);
  }

  static int offset(ObjectNode o) {
    JsonNode off = o.get("offset");
    if (off == null || off.isNull()) {
      return 0;
    }
    return (int) Math.min(u64(off, "offset"), Integer.MAX_VALUE / 2);
  }

  static WithPayload withPayload(JsonNode node, WithPayload absent) {
    if (node == null || node.isNull()) {
      return absent;
    }
    if (node.isBoolean()) {
      return node.asBoolean() ? WithPayload.ALL : WithPayload.NONE;
    }
    if (node.isArray()) {
      return WithPayload.include(strings(node, "with_payload"));
    }
    if (node.isObject() && node.has("include")) {
      return WithPayload.include(strings(node.get("include"), "with_payload.include"));
    }
    if (node.isObject() && node.has("exclude")) {
      return WithPayload.exclude(strings(node.get("exclude"), "with_payload.exclude"));
    }
    throw new RequestException.Malformed(
        "Format error in JSON body: data did not match any variant of untagged enum WithPayloadInterface");
  }

  static WithVectors withVectors(JsonNode node, WithVectors absent) {
    if (node == null || node.isNull()) {
      return absent;
    }
    if (node.isBoolean()) {
      return node.asBoolean() ? WithVectors.ALL : WithVectors.NONE;
    }
    if (node.isArray()) {
      return WithVectors.only(strings(node, "with_vector"));
    }
    throw new RequestException.Malformed(
        "Format error in JSON body: data did not match any variant of untagged enum WithVector");
  }

  private static PointVectors vectorStruct(JsonNode node, String path) {
    PointVectors out = new PointVectors();
    if (node.isArray()) {
      putVector(out, CollectionConfig.DEFAULT_VECTOR, node, path);
      return out;
    }
    if (node.isObject()) {
      node.properties()
          .forEach(e -> putVector(out, e.getKey(), e.getValue(), path + "." + e.getKey()));
      out.checkNames(path);
      return out;
    }
    throw new RequestException.Malformed(
        "Format error in JSON body: data did not match any variant of untagged enum VectorStruct at `"
            + path
            + "`");
  }

  /** One named vector of a point: a list of numbers (dense) or {@code {indices, values}}. */
  private static void putVector(PointVectors out, String name, JsonNode v, String path) {
    if (v.isObject() && (v.has("text") || v.has("model"))) {
      out.sparse().put(name, document(v, path, false));
      return;
    }
    if (v.isObject()) {
      out.sparse().put(name, sparseVector(v, path));
      return;
    }
    if (v.isArray() && !v.isEmpty() && v.get(0).isArray()) {
      out.multi().put(name, multiVector(v, path));
      return;
    }
    out.dense().put(name, denseVector(v, path));
  }

  /** A {@code MultiDenseVector}: a list of dense vectors, at most the engine's row cap. */
  static float[][] multiVector(JsonNode node, String path) {
    ArrayNode arr = array(node, path);
    PointVectors.checkRows(arr.size(), BODY, path);
    float[][] rows = new float[arr.size()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = denseVector(arr.get(i), path + "[" + i + "]");
    }
    return rows;
  }

  /**
   * A {@code Document} ({@code {"text", "model", "options"}}) as the BM25 model embeds it: as a
   * document to store, or as a query.
   */
  static SparseVector document(JsonNode node, String path, boolean query) {
    ObjectNode o = object(node, path);
    for (var e : o.properties()) {
      if (!Set.of("text", "model", "options").contains(e.getKey())) {
        throw new RequestException.Malformed(
            "Format error in JSON body: unknown field `"
                + e.getKey()
                + "`, expected `text`, `model` or `options` at `"
                + path
                + "`");
      }
    }
    String text = text(required(o, "text", path), path + ".text");
    String model = text(required(o, "model", path), path + ".model");
    Value.Struct options =
        o.hasNonNull("options") ? payload(o.get("options"), path + ".options") : null;
    return query
        ? Bm25.query(text, model, options, BODY, path)
        : Bm25.document(text, model, options, BODY, path);
  }

  /**
   * A {@code SparseVector}: {@code {"indices": [u32], "values": [f32]}}, as many of each, the
   * indices unique (422 otherwise, as Qdrant validates it); it need not be sorted.
   */
  static SparseVector sparseVector(JsonNode node, String path) {
    ObjectNode o = object(node, path);
    for (var e : o.properties()) {
      if (!e.getKey().equals("indices") && !e.getKey().equals("values")) {
        throw new RequestException.Malformed(
            "Format error in JSON body: unknown field `"
                + e.getKey()
                + "`, expected `indices` or `values` at `"
                + path
                + "`");
      }
    }
    ArrayNode idx = array(required(o, "indices", path), path + ".indices");
    ArrayNode val = array(required(o, "values", path), path + ".values");
    if (idx.size() > SparseVector.MAX_LENGTH) { // before anything is allocated for it
      return PointVectors.sparse(new int[idx.size()], new float[0], BODY, path);
    }
    int[] indices = new int[idx.size()];
    for (int i = 0; i < indices.length; i++) {
      JsonNode x = idx.get(i);
      if (!x.isIntegralNumber()
          || !x.canConvertToLong()
          || x.asLong() < 0
          || x.asLong() > 0xFFFFFFFFL) {
        throw malformed(x, "u32", path + ".indices[" + i + "]");
      }
      indices[i] = (int) x.asLong();
    }
    float[] values = new float[val.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode x = val.get(i);
      if (!x.isNumber()) {
        throw malformed(x, "f32", path + ".values[" + i + "]");
      }
      values[i] = x.floatValue();
    }
    return PointVectors.sparse(indices, values, BODY, path);
  }

  static float[] denseVector(JsonNode node, String path) {
    if (node instanceof NumberArray numbers) {
      float[] v = numbers.floats();
      if (v != null) {
        return v; // every member a number: nothing to check one by one
      }
    }
    ArrayNode arr = array(node, path);
    float[] v = new float[arr.size()];
    for (int i = 0; i < v.length; i++) {
      JsonNode x = arr.get(i);
      if (!x.isNumber()) {
        throw malformed(x, "f32", path + "[" + i + "]");
      }
      v[i] = x.floatValue();
    }
    return v;
  }

  static List<PointId> pointIds(JsonNode node, String path) {
    ArrayNode arr = array(node, path);
    List<PointId> ids = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      ids.add(pointId(arr.get(i), path + "[" + i + "]"));
    }
    return ids;
  }

  static PointId pointId(JsonNode node, String path) {
    if (node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0) {
      return PointId.of(node.asLong());
    }
    if (node.isBigInteger()
        && node.bigIntegerValue().signum() >= 0
        && node.bigIntegerValue().bitLength() <= 64) {
      return PointId.of(node.bigIntegerValue().longValue());
    }
    if (node.isTextual()) {
      PointId id = parsePointId(node.asText());
      if (id != null) {
        return id;
      }
    }
    throw new RequestException.Malformed(
        "Format error in JSON body: data did not match any variant of untagged enum ExtendedPointId at `"
            + path
            + "`");
  }

  /** An id from a path segment or string: an unsigned integer or a UUID; null if neither. */
  static PointId parsePointId(String s) {
    try {
      return PointId.of(Long.parseUnsignedLong(s));
    } catch (NumberFormatException e) {
      // not an integer
    }
    try {
      if (s.length() == 32 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        s =
            s.substring(0, 8)
                + "-"
                + s.substring(8, 12)
                + "-"
                + s.substring(12, 16)
                + "-"
                + s.substring(16, 20)
                + "-"
                + s.substring(20);
      }
      if (s.length() == 36) {
        return PointId.of(UUID.fromString(s));
      }
    } catch (IllegalArgumentException e) {
      // not a UUID
    }
    return null;
  }

  static Value.Struct payload(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return Value.Struct.EMPTY;
    }
    if (!node.isObject()) {
      throw malformed(node, "a map (payload)", path);
    }
    return (Value.Struct) value(node);
  }

  static Value value(JsonNode n) {
    return switch (n.getNodeType()) {
      case NULL, MISSING -> Value.Null.INSTANCE;
      case BOOLEAN -> new Value.Bool(n.booleanValue());
      case NUMBER ->
          n.isIntegralNumber() && n.canConvertToLong()
              ? new Value.Int(n.longValue())
              : new Value.Double(n.doubleValue());
      case STRING -> new Value.Str(n.textValue());
      case ARRAY -> {
        List<Value> values = new ArrayList<>(n.size());
        n.forEach(x -> values.add(value(x)));
        yield new Value.Array(values);
      }
      case OBJECT -> {
        Map<String, Value> fields = new LinkedHashMap<>();
        n.properties().forEach(e -> fields.put(e.getKey(), value(e.getValue())));
        yield new Value.Struct(fields);
      }
      case BINARY, POJO -> new Value.Str(n.asText());
    };
  }

  // ---------------------------------------------------------------- responses

  static JsonNode json(Value v) {
    return switch (v) {
      case Value.Null n -> F.nullNode();
      case Value.Bool b -> F.booleanNode(b.value());
      case Value.Int i -> F.numberNode(i.value());
      case Value.Double d -> F.numberNode(d.value());
      case Value.Str s -> F.textNode(s.value());
      case Value.Array a -> {
        ArrayNode arr = F.arrayNode(a.values().size());
        a.values().forEach(x -> arr.add(json(x)));
        yield arr;
      }
      case Value.Struct s -> {
        ObjectNode o = F.objectNode();
        s.fields().forEach((k, x) -> o.set(k, json(x)));
        yield o;
      }
    };
  }

  static JsonNode pointId(PointId id) {
    return switch (id) {
      case PointId.Num n ->
          n.value() >= 0
              ? F.numberNode(n.value())
              : F.numberNode(new BigInteger(Long.toUnsignedString(n.value())));
      case PointId.Uuid u -> F.textNode(u.value().toString());
    };
  }

  static JsonNode scoredPoint(ScoredPoint p) {
    ObjectNode o = F.objectNode();
    o.set("id", pointId(p.id()));
    o.put("version", p.version());
    o.put("score", p.score());
    o.set("payload", p.payload() == null ? F.nullNode() : json(p.payload()));
    o.set("vector", vectors(p.vectors(), p.sparseVectors(), p.multiVectors()));
    if (p.shardKey() != null) {
      o.set("shard_key", shardKey(p.shardKey()));
    }
    if (p.orderValue() != null) {
      o.set("order_value", json(p.orderValue()));
    }
    return o;
  }

  static JsonNode record(PointRecord r) {
    ObjectNode o = F.objectNode();
    o.set("id", pointId(r.id()));
    o.set("payload", r.payload() == null ? F.nullNode() : json(r.payload()));
    o.set("vector", vectors(r.vectors(), r.sparseVectors(), r.multiVectors()));
    if (r.shardKey() != null) {
      o.set("shard_key", shardKey(r.shardKey()));
    }
    return o;
  }

  /** A record ordered by a payload value, with {@code order_value}. */
  static JsonNode record(PointRecord r, Value orderValue) {
    ObjectNode o = (ObjectNode) record(r);
    o.set("order_value", json(orderValue));
    return o;
  }

  static JsonNode shardKey(ShardKey key) {
    return switch (key) {
      case ShardKey.Number n -> F.numberNode(n.value());
      case ShardKey.Keyword k -> F.textNode(k.value());
    };
  }

  /** A {@code ShardKey}: a string or an unsigned integer. */
  static ShardKey shardKey(JsonNode n, String path) {
    if (n != null && n.isTextual()) {
      return new ShardKey.Keyword(n.asText());
    }
    if (n != null && n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0) {
      return new ShardKey.Number(n.asLong());
    }
    throw new RequestException.Malformed(
        "Json deserialize error: data did not match any variant of untagged enum ShardKey at "
            + path);
  }

  /**
   * The request's {@code shard_key} ({@code ShardKeySelector}): a key, a list of keys, or {@code
   * {"target": key, "fallback": key}}; absent or null addresses every shard.
   */
  static ShardSelector shardSelector(JsonNode body) {
    JsonNode n = body == null ? null : body.get("shard_key");
    if (n == null || n.isNull()) {
      return ShardSelector.ALL;
    }
    if (n.isArray()) {
      List<ShardKey> keys = new ArrayList<>();
      for (int i = 0; i < n.size(); i++) {
        keys.add(shardKey(n.get(i), "shard_key[" + i + "]"));
      }
      return new ShardSelector(keys, null);
    }
    if (n.isObject()) {
      return new ShardSelector(
          List.of(shardKey(n.get("target"), "shard_key.target")),
          shardKey(n.get("fallback"), "shard_key.fallback"));
    }
    return ShardSelector.of(shardKey(n, "shard_key"));
  }

  private static JsonNode vectors(
      Map<String, float[]> vectors,
      Map<String, SparseVector> sparse,
      Map<String, float[][]> multi) {
    boolean withSparse = sparse != null && !sparse.isEmpty();
    boolean withMulti = multi != null && !multi.isEmpty();
    if (vectors == null && !withSparse && !withMulti) {
      return F.nullNode();
    }
    boolean dense = vectors != null && !vectors.isEmpty();
    if (!withSparse
        && !withMulti
        && dense
        && vectors.size() == 1
        && vectors.containsKey(CollectionConfig.DEFAULT_VECTOR)) {
      return floats(vectors.get(CollectionConfig.DEFAULT_VECTOR));
    }
    if (!withSparse
        && !dense
        && withMulti
        && multi.size() == 1
        && multi.containsKey(CollectionConfig.DEFAULT_VECTOR)) {
      return rows(multi.get(CollectionConfig.DEFAULT_VECTOR));
    }
    ObjectNode o = F.objectNode();
    if (vectors != null) {
      new TreeMap<>(vectors).forEach((k, v) -> o.set(k, floats(v)));
    }
    if (withSparse) {
      new TreeMap<>(sparse).forEach((k, v) -> o.set(k, sparse(v)));
    }
    if (withMulti) {
      new TreeMap<>(multi).forEach((k, v) -> o.set(k, rows(v)));
    }
    return o;
  }

  private static ArrayNode rows(float[][] rows) {
    ArrayNode arr = F.arrayNode(rows.length);
    for (float[] row : rows) {
      arr.add(floats(row));
    }
    return arr;
  }

  /** A sparse vector as {@code {"indices", "values"}}, indices as unsigned numbers. */
  static ObjectNode sparse(SparseVector v) {
    ObjectNode o = F.objectNode();
    ArrayNode idx = o.putArray("indices");
    for (int i : v.indices()) {
      idx.add(Integer.toUnsignedLong(i));
    }
    o.set("values", floats(v.values()));
    return o;
  }

  private static ArrayNode floats(float[] v) {
    ArrayNode arr = F.arrayNode(v.length);
    for (float f : v) {
      arr.add(f);
    }
    return arr;
  }

  static JsonNode updateResult(UpdateResult r) {
    ObjectNode o = F.objectNode();
    o.put("operation_id", r.operationId());
    o.put("status", r.status() == UpdateResult.Status.COMPLETED ? "completed" : "acknowledged");
    return o;
  }

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
      config.set("metadata", json(c.metadata()));
    }
    if (c.strictMode() != null) {
      config.set("strict_mode_config", json(c.strictMode()));
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
      o.set("hnsw_config", hnsw(v.hnsw()));
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
    if (v.fullScanThreshold() != null || v.onDisk() != null || v.memory() != null) {
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
    }
    if (v.modifier() != null) {
      o.put("modifier", v.modifier().name().toLowerCase(Locale.ROOT));
    }
    return o;
  }

  private static ObjectNode hnsw(HnswConfig h) {
    ObjectNode hnsw = F.objectNode();
    hnsw.put("m", h.m());
    hnsw.put("ef_construct", h.efConstruct());
    hnsw.put("full_scan_threshold", h.fullScanThreshold());
    hnsw.put("max_indexing_threads", h.maxIndexingThreads());
    hnsw.put("on_disk", h.onDisk());
    return hnsw;
  }

  // ---------------------------------------------------------------- field access

}
