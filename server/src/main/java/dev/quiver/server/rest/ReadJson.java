package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.server.query.Groups;
import dev.quiver.server.query.Ordering;
import dev.quiver.server.request.AcornSettings;
import dev.quiver.server.request.ImplementedFields;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.AcornParams;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.List;
import java.util.Set;

/**
 * The bodies of point reads (retrieve, scroll, count, search, groups, facets, the distance matrix)
 * with their shared settings (limit, offset, payload and vector selectors), and the points they
 * answer. Shape errors become {@link RequestException.Malformed} (400), rule violations {@link
 * RequestException.Invalid} (422). Stateless and thread-safe.
 */
final class ReadJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ReadJson() {}

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

  /** A {@code PointRequest}: ids plus the payload and vector selectors. */
  record Retrieve(List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {}

  static Retrieve retrieve(JsonNode body) {
    ObjectNode o = object(body, "");
    return new Retrieve(
        ValueJson.pointIds(required(o, "ids", ""), "ids"),
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
        off == null || off.isNull() ? null : ValueJson.pointId(off, "offset"),
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
        SparseVector sparse = VectorJson.sparseVector(v.get("vector"), "vector.vector");
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
      vector = VectorJson.denseVector(v.get("vector"), "vector.vector");
    } else {
      vector = VectorJson.denseVector(v, "vector");
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
        QuantizationJson.params(o),
        acorn(o));
  }

  /** {@code params.acorn}: null when not given or not enabled. */
  static AcornParams acorn(ObjectNode o) {
    JsonNode p = o.get("params");
    if (p == null || p.isNull() || !p.hasNonNull("acorn")) {
      return null;
    }
    ObjectNode a = object(p.get("acorn"), "params.acorn");
    onlyImplemented(a, "params.acorn", AcornSettings.FIELDS);
    Double maxSelectivity = null;
    JsonNode n = a.get("max_selectivity");
    if (n != null && !n.isNull()) {
      if (!n.isNumber()) {
        throw malformed(n, "f64", "params.acorn.max_selectivity");
      }
      maxSelectivity = n.doubleValue();
    }
    return AcornSettings.params(optBool(a, "enable"), maxSelectivity, "params.acorn");
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

  static JsonNode scoredPoint(ScoredPoint p) {
    ObjectNode o = F.objectNode();
    o.set("id", ValueJson.pointId(p.id()));
    o.put("version", p.version());
    o.put("score", p.score());
    o.set("payload", p.payload() == null ? F.nullNode() : ValueJson.json(p.payload()));
    o.set("vector", VectorJson.vectors(p.vectors(), p.sparseVectors(), p.multiVectors()));
    if (p.shardKey() != null) {
      o.set("shard_key", ValueJson.shardKey(p.shardKey()));
    }
    if (p.orderValue() != null) {
      o.set("order_value", ValueJson.json(p.orderValue()));
    }
    return o;
  }

  static JsonNode record(PointRecord r) {
    ObjectNode o = F.objectNode();
    o.set("id", ValueJson.pointId(r.id()));
    o.set("payload", r.payload() == null ? F.nullNode() : ValueJson.json(r.payload()));
    o.set("vector", VectorJson.vectors(r.vectors(), r.sparseVectors(), r.multiVectors()));
    if (r.shardKey() != null) {
      o.set("shard_key", ValueJson.shardKey(r.shardKey()));
    }
    return o;
  }

  /** A record ordered by a payload value, with {@code order_value}. */
  static JsonNode record(PointRecord r, Value orderValue) {
    ObjectNode o = (ObjectNode) record(r);
    o.set("order_value", ValueJson.json(orderValue));
    return o;
  }
}
