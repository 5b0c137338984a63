package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.array;
import static dev.quiver.server.rest.JsonArgs.object;
import static dev.quiver.server.rest.JsonArgs.onlyImplemented;
import static dev.quiver.server.rest.JsonArgs.optFloat;
import static dev.quiver.server.rest.JsonArgs.optInt;
import static dev.quiver.server.rest.JsonArgs.required;
import static dev.quiver.server.rest.JsonArgs.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.server.query.Queries;
import dev.quiver.server.request.Bm25;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Decodes the query bodies into {@link Queries.Request}: {@code QueryRequest} (with prefetches and
 * every query variant), and the older {@code RecommendRequest} and {@code DiscoverRequest}.
 */
final class QueryJson {
  private QueryJson() {}

  /** The keys that name a query object's variant ({@code nearest} may carry {@code mmr}). */
  private static final List<String> VARIANTS =
      List.of(
          "nearest",
          "recommend",
          "discover",
          "context",
          "order_by",
          "fusion",
          "rrf",
          "sample",
          "formula",
          "relevance_feedback");

  /** A {@code QueryRequest} ({@code POST /points/query}, also an item of a batch or groups). */
  static Queries.Request query(JsonNode body) {
    ObjectNode o = object(body, "");
    return new Queries.Request(
        stage(o, ""),
        ReadJson.offset(o),
        ReadJson.withPayload(o.get("with_payload"), WithPayload.NONE),
        ReadJson.withVectors(ReadJson.vectorSelector(o), WithVectors.NONE));
  }

  /** A {@code RecommendRequest} ({@code POST /points/recommend}). */
  static Queries.Request recommend(JsonNode body) {
    ObjectNode o = object(body, "");
    var query =
        new Queries.Query.Recommend(
            examples(o.get("positive"), "positive"),
            examples(o.get("negative"), "negative"),
            Queries.Strategy.of(
                o.hasNonNull("strategy") ? text(o.get("strategy"), "strategy") : null));
    return legacy(o, query);
  }

  /** A {@code DiscoverRequest} ({@code POST /points/discover}). */
  static Queries.Request discover(JsonNode body) {
    ObjectNode o = object(body, "");
    JsonNode target = o.get("target");
    List<Queries.Pair> context = pairs(o.get("context"), "context");
    Queries.Query query =
        target == null || target.isNull()
            ? new Queries.Query.Context(context)
            : new Queries.Query.Discover(example(target, "target"), context);
    return legacy(o, query);
  }

  /** The settings shared by the recommend and discover bodies ({@code limit} required). */
  private static Queries.Request legacy(ObjectNode o, Queries.Query query) {
    return new Queries.Request(
        new Queries.Stage(
            List.of(),
            query,
            using(o),
            FilterJson.parse(o.get("filter"), "filter"),
            ReadJson.hnswEf(o),
            ReadJson.exact(o),
            optFloat(o, "score_threshold"),
            ReadJson.limit(o, true),
            lookup(o),
            QuantizationJson.params(o),
            ReadJson.acorn(o)),
        ReadJson.offset(o),
        ReadJson.withPayload(o.get("with_payload"), WithPayload.NONE),
        ReadJson.withVectors(ReadJson.vectorSelector(o), WithVectors.NONE));
  }

  /** One level of a query: the request itself or a {@code Prefetch}. */
  private static Queries.Stage stage(ObjectNode o, String path) {
    if (!path.isEmpty()) { // the request's own level is checked by RequestFields
      onlyImplemented(o, path.substring(0, path.length() - 1), RequestFields.PREFETCH);
    }
    List<Queries.Stage> prefetch = new ArrayList<>();
    JsonNode p = o.get("prefetch");
    if (p != null && p.isObject()) {
      prefetch.add(stage((ObjectNode) p, path + "prefetch."));
    } else if (p != null && !p.isNull()) {
      ArrayNode arr = array(p, path + "prefetch");
      for (int i = 0; i < arr.size(); i++) {
        prefetch.add(stage(object(arr.get(i), path + "prefetch"), path + "prefetch[" + i + "]."));
      }
    }
    return new Queries.Stage(
        prefetch,
        query(o.get("query"), path + "query"),
        using(o),
        FilterJson.parse(o.get("filter"), path + "filter"),
        ReadJson.hnswEf(o),
        ReadJson.exact(o),
        optFloat(o, "score_threshold"),
        ReadJson.limit(o, false),
        lookup(o),
        QuantizationJson.params(o),
        ReadJson.acorn(o));
  }

  private static String using(ObjectNode o) {
    return o.hasNonNull("using") ? text(o.get("using"), "using") : CollectionConfig.DEFAULT_VECTOR;
  }

  /** A {@code QueryInterface}: a vector input (nearest) or one of the query objects. */
  static Queries.Query query(JsonNode q, String path) {
    if (q == null || q.isNull()) {
      return null;
    }
    if (!q.isObject() || isVectorObject(q)) {
      return new Queries.Query.Nearest(example(q, path), null);
    }
    ObjectNode o = (ObjectNode) q;
    for (String variant : VARIANTS) {
      if (o.has(variant)) {
        onlyImplemented(
            o,
            path,
            switch (variant) {
              case "nearest" -> Set.of(variant, "mmr");
              case "formula" -> Set.of(variant, "defaults");
              default -> Set.of(variant);
            });
        break;
      }
    }
    if (o.has("nearest")) {
      return new Queries.Query.Nearest(example(o.get("nearest"), path + ".nearest"), mmr(o, path));
    }
    if (o.has("recommend")) {
      ObjectNode r = object(o.get("recommend"), path + ".recommend");
      onlyImplemented(r, path + ".recommend", Set.of("positive", "negative", "strategy"));
      return new Queries.Query.Recommend(
          examples(r.get("positive"), path + ".recommend.positive"),
          examples(r.get("negative"), path + ".recommend.negative"),
          Queries.Strategy.of(
              r.hasNonNull("strategy") ? text(r.get("strategy"), path + ".strategy") : null));
    }
    if (o.has("discover")) {
      ObjectNode d = object(o.get("discover"), path + ".discover");
      onlyImplemented(d, path + ".discover", Set.of("target", "context"));
      return new Queries.Query.Discover(
          example(required(d, "target", path + ".discover"), path + ".discover.target"),
          pairs(d.get("context"), path + ".discover.context"));
    }
    if (o.has("context")) {
      return new Queries.Query.Context(pairs(o.get("context"), path + ".context"));
    }
    if (o.has("order_by")) {
      var by = ReadJson.orderBy(o.get("order_by"));
      if (by == null) {
        throw new RequestException.Malformed(
            "Format error in JSON body: `" + path + ".order_by` must name a payload key");
      }
      return new Queries.Query.OrderBy(by);
    }
    if (o.has("fusion")) {
      String f = o.get("fusion").asText("");
      return switch (f) {
        case "rrf" -> new Queries.Query.Fusion(false, Queries.RRF_K, List.of());
        case "dbsf" -> new Queries.Query.Fusion(true, 0, List.of());
        default ->
            throw new RequestException.Malformed(
                "Json deserialize error: unknown variant `"
                    + f
                    + "`, expected `rrf` or `dbsf` at "
                    + path
                    + ".fusion");
      };
    }
    if (o.has("rrf")) {
      ObjectNode r = object(o.get("rrf"), path + ".rrf");
      onlyImplemented(r, path + ".rrf", Set.of("k", "weights"));
      Integer k = optInt(r, "k", 1, 1 << 20);
      List<Float> weights = new ArrayList<>();
      if (r.hasNonNull("weights")) {
        for (JsonNode w : array(r.get("weights"), path + ".rrf.weights")) {
          if (!w.isNumber()) {
            throw new RequestException.Malformed(
                "Json deserialize error: invalid type: expected f32 at " + path + ".rrf.weights");
          }
          weights.add(w.floatValue());
        }
      }
      return new Queries.Query.Fusion(false, k == null ? Queries.RRF_K : k, weights);
    }
    if (o.has("sample")) {
      if (!"random".equals(o.get("sample").asText(""))) {
        throw new RequestException.Malformed(
            "Json deserialize error: unknown variant `"
                + o.get("sample").asText()
                + "`, expected `random` at "
                + path
                + ".sample");
      }
      return new Queries.Query.Sample();
    }
    if (o.has("formula")) {
      return new Queries.Query.ByFormula(FormulaJson.formula(o, path));
    }
    if (o.has("relevance_feedback")) {
      return feedback(object(o.get("relevance_feedback"), path + ".relevance_feedback"), path);
    }
    throw new RequestException.Malformed(
        "Json deserialize error: data did not match any variant of untagged enum QueryInterface at "
            + path);
  }

  /** A {@code RelevanceFeedbackInput}: a target, scored examples and the naive strategy. */
  private static Queries.Query feedback(ObjectNode r, String path) {
    String at = path + ".relevance_feedback";
    onlyImplemented(r, at, Set.of("target", "feedback", "strategy"));
    List<Queries.FeedbackItem> items = new ArrayList<>();
    ArrayNode list = array(required(r, "feedback", at), at + ".feedback");
    for (int i = 0; i < list.size(); i++) {
      String itemPath = at + ".feedback[" + i + "]";
      ObjectNode item = object(list.get(i), itemPath);
      onlyImplemented(item, itemPath, Set.of("example", "score"));
      Float score = optFloat(item, "score");
      if (score == null) {
        throw new RequestException.Malformed(
            "Format error in JSON body: missing field `score` at `" + itemPath + "`");
      }
      items.add(
          new Queries.FeedbackItem(
              example(required(item, "example", itemPath), itemPath + ".example"), score));
    }
    ObjectNode strategy = object(required(r, "strategy", at), at + ".strategy");
    onlyImplemented(strategy, at + ".strategy", Set.of("naive"));
    ObjectNode naive =
        object(required(strategy, "naive", at + ".strategy"), at + ".strategy.naive");
    onlyImplemented(naive, at + ".strategy.naive", Set.of("a", "b", "c"));
    float[] abc = new float[3];
    for (int k = 0; k < 3; k++) {
      String name = String.valueOf((char) ('a' + k));
      Float v = optFloat(naive, name);
      if (v == null) {
        throw new RequestException.Malformed(
            "Format error in JSON body: missing field `"
                + name
                + "` at `"
                + at
                + ".strategy.naive`");
      }
      abc[k] = v;
    }
    if (abc[1] < 0) {
      throw new RequestException.Invalid(
          "JSON body", at + ".strategy.naive.b", "value " + abc[1] + " invalid, must be 0 or more");
    }
    return new Queries.Query.Feedback(
        example(required(r, "target", at), at + ".target"), items, abc[0], abc[1], abc[2]);
  }

  /** Objects that are vector inputs rather than queries (sparse vectors, inference inputs). */
  private static boolean isVectorObject(JsonNode q) {
    return q.has("indices") || q.has("text") || q.has("image") || q.has("object");
  }

  private static Queries.Mmr mmr(ObjectNode o, String path) {
    JsonNode m = o.get("mmr");
    if (m == null || m.isNull()) {
      return null;
    }
    ObjectNode mo = object(m, path + ".mmr");
    onlyImplemented(mo, path + ".mmr", Set.of("diversity", "candidates_limit"));
    Float diversity = optFloat(mo, "diversity");
    if (diversity != null && (diversity < 0 || diversity > 1)) {
      throw new RequestException.Invalid(
          "body",
          "query.mmr.diversity",
          "value " + diversity + " invalid, must be from 0.0 to 1.0");
    }
    return new Queries.Mmr(
        diversity == null ? 0.5f : diversity, optInt(mo, "candidates_limit", 0, 16384));
  }

  /** A {@code VectorInput} or a {@code RecommendExample}: a dense vector or a point id. */
  static Queries.Example example(JsonNode n, String path) {
    if (n == null || n.isNull()) {
      throw new RequestException.Malformed(
          "Json deserialize error: missing vector input at " + path);
    }
    if (n.isArray() && !n.isEmpty() && n.get(0).isArray()) {
      return new Queries.Example.Multi(VectorJson.multiVector(n, path));
    }
    if (n.isArray()) {
      return new Queries.Example.Vector(VectorJson.denseVector(n, path));
    }
    if (n.isObject()) {
      if (n.has("indices")) {
        return new Queries.Example.Sparse(VectorJson.sparseVector(n, path));
      }
      if (n.has("text")) {
        return new Queries.Example.Sparse(VectorJson.document(n, path, true));
      }
      if (n.has("image") || n.has("object")) {
        throw Bm25.imagesAndObjects();
      }
    }
    return new Queries.Example.Point(ValueJson.pointId(n, path));
  }

  private static List<Queries.Example> examples(JsonNode n, String path) {
    List<Queries.Example> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    ArrayNode arr = array(n, path);
    for (int i = 0; i < arr.size(); i++) {
      out.add(example(arr.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  /** A {@code ContextInput}: one pair, a list of pairs, or null (none). */
  private static List<Queries.Pair> pairs(JsonNode n, String path) {
    List<Queries.Pair> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (n.isObject()) {
      out.add(pair(n, path));
      return out;
    }
    ArrayNode arr = array(n, path);
    for (int i = 0; i < arr.size(); i++) {
      out.add(pair(arr.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  private static Queries.Pair pair(JsonNode n, String path) {
    ObjectNode o = object(n, path);
    onlyImplemented(o, path, Set.of("positive", "negative"));
    return new Queries.Pair(
        example(required(o, "positive", path), path + ".positive"),
        example(required(o, "negative", path), path + ".negative"));
  }

  private static Queries.Lookup lookup(ObjectNode o) {
    if (!o.hasNonNull("lookup_from")) {
      return null;
    }
    ObjectNode l = object(o.get("lookup_from"), "lookup_from");
    onlyImplemented(l, "lookup_from", Set.of("collection", "vector"));
    return new Queries.Lookup(
        text(required(l, "collection", "lookup_from"), "lookup_from.collection"),
        l.hasNonNull("vector") ? text(l.get("vector"), "lookup_from.vector") : null);
  }
}
