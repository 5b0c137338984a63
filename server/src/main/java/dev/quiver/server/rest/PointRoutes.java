package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.guard.StrictMode;
import dev.quiver.server.query.DistanceMatrix;
import dev.quiver.server.query.Facets;
import dev.quiver.server.query.Groups;
import dev.quiver.server.query.Ordering;
import dev.quiver.server.query.Queries;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The point routes: writes (upserts, deletes, payload and vector edits, batches) and reads
 * (retrieval, search, the universal query, recommend, discover, groups, scroll, count, facets and
 * the distance matrix), each checked against the collection's strict mode first. Each decodes with
 * the JSON codecs, calls the dispatcher and encodes; no logic of its own. Thread-safe.
 */
final class PointRoutes implements RouteFamily {
  private final Dispatcher dispatcher;

  PointRoutes(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  @Override
  public void register(Map<String, Router.Handler> h) {
    h.put("upsert_points", this::upsert);
    h.put("get_points", this::getPoints);
    h.put("get_point", this::getPoint);
    h.put("delete_points", this::deletePoints);
    h.put("set_payload", r -> update(r, body -> PointWriteJson.setPayload(body, false)));
    h.put("overwrite_payload", r -> update(r, body -> PointWriteJson.setPayload(body, true)));
    h.put("delete_payload", r -> update(r, PointWriteJson::deletePayload));
    h.put("update_vectors", r -> update(r, PointWriteJson::updateVectors));
    h.put("delete_vectors", r -> update(r, PointWriteJson::deleteVectors));
    h.put(
        "clear_payload",
        r -> update(r, body -> new UpdateOp.ClearPayload(PointWriteJson.selector(body))));
    h.put("search_points", this::search);
    h.put("query_points", this::query);
    h.put("scroll_points", this::scroll);
    h.put("count_points", this::countPoints);
    h.put("facet", this::facet);
    h.put("search_matrix_pairs", r -> matrix(r, false));
    h.put("search_matrix_offsets", r -> matrix(r, true));
    h.put("search_point_groups", r -> groups(r, SEARCH, false));
    h.put("recommend_point_groups", r -> groups(r, QueryJson::recommend, false));
    h.put("query_points_groups", r -> groups(r, QueryJson::query, true));
    h.put("search_batch_points", this::searchBatch);
    h.put("recommend_points", r -> points(r, QueryJson::recommend));
    h.put("recommend_batch_points", r -> pointsBatch(r, QueryJson::recommend));
    h.put("discover_points", r -> points(r, QueryJson::discover));
    h.put("discover_batch_points", r -> pointsBatch(r, QueryJson::discover));
    h.put("query_batch_points", this::queryBatch);
    h.put("batch_update", this::batchUpdate);
  }

  /** {@code POST /points/search/matrix/pairs} and {@code /offsets}. */
  private RestResponse matrix(RestRequest r, boolean offsets) {
    String name = Handlers.target(dispatcher, r);
    ReadJson.Matrix q = ReadJson.matrix(r.json());
    var m =
        DistanceMatrix.compute(
            dispatcher,
            name,
            q.filter(),
            q.sample(),
            q.limit(),
            q.using(),
            r.consistency(),
            ValueJson.shardSelector(r.json()));
    ObjectNode o = Json.MAPPER.createObjectNode();
    if (offsets) {
      ArrayNode rows = o.putArray("offsets_row");
      ArrayNode cols = o.putArray("offsets_col");
      ArrayNode scores = o.putArray("scores");
      ArrayNode ids = o.putArray("ids");
      m.ids().forEach(id -> ids.add(ValueJson.pointId(id)));
      var c = m.offsets();
      for (int i = 0; i < c.rows().length; i++) {
        rows.add(c.rows()[i]);
        cols.add(c.cols()[i]);
        scores.add(c.scores()[i]);
      }
    } else {
      ArrayNode pairs = o.putArray("pairs");
      for (var p : m.pairs()) {
        ObjectNode pair = pairs.addObject();
        pair.set("a", ValueJson.pointId(p.a()));
        pair.set("b", ValueJson.pointId(p.b()));
        pair.put("score", p.score());
      }
    }
    return RestResponse.ok(o, r.startedNanos());
  }

  /** {@code POST /collections/{c}/facet}: {@code {"hits": [{"value", "count"}]}}. */
  private RestResponse facet(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    ReadJson.Facet q = ReadJson.facet(r.json());
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode hits = o.putArray("hits");
    for (var hit :
        Facets.count(
            dispatcher,
            name,
            q.key(),
            q.filter(),
            q.limit(),
            r.consistency(),
            ValueJson.shardSelector(r.json()))) {
      hits.addObject().put("count", hit.count()).set("value", ValueJson.json(hit.value()));
    }
    return RestResponse.ok(o, r.startedNanos());
  }

  /** {@code {"searches": [SearchRequest]}}: one list of results per search, in order. */
  private RestResponse searchBatch(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    ArrayNode out = Json.MAPPER.createArrayNode();
    List<JsonNode> items = PointWriteJson.batchItems(r.json(), "searches");
    StrictMode strict = StrictMode.of(dispatcher, name);
    strict.searchBatch(items.size());
    for (JsonNode item : items) {
      ArrayNode hits = out.addArray();
      SearchRequest search = ReadJson.search(item);
      strict.query(Queries.nearest(search));
      for (ScoredPoint p :
          dispatcher
              .points()
              .search(name, search, r.consistency(), ValueJson.shardSelector(item))) {
        hits.add(ReadJson.scoredPoint(p));
      }
    }
    return RestResponse.ok(out, r.startedNanos());
  }

  /** {@code {"searches": [QueryRequest]}}: one {@code {"points": [...]}} per query, in order. */
  private RestResponse queryBatch(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    ArrayNode out = Json.MAPPER.createArrayNode();
    List<JsonNode> items = PointWriteJson.batchItems(r.json(), "searches");
    StrictMode.of(dispatcher, name).searchBatch(items.size());
    for (JsonNode item : items) {
      ArrayNode hits = out.addObject().putArray("points");
      queryOne(name, item, r).forEach(p -> hits.add(ReadJson.scoredPoint(p)));
    }
    return RestResponse.ok(out, r.startedNanos());
  }

  /**
   * {@code {"operations": [{"upsert": ...} | {"delete": ...} | {"set_payload": ...} | ...]}}: the
   * operations applied in order, each answered with its own result; all are decoded before the
   * first is applied, so a malformed one changes nothing.
   */
  private RestResponse batchUpdate(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    boolean wait = r.boolQuery("wait", false);
    r.checkOrdering();
    List<PointWriteJson.BatchOp> ops = PointWriteJson.batchOperations(r.json());
    StrictMode strict = StrictMode.of(dispatcher, name);
    ops.forEach(op -> strict.update(op.op()));
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (PointWriteJson.BatchOp op : ops) {
      out.add(
          PointWriteJson.updateResult(
              dispatcher.points().update(name, op.op(), wait, op.shards())));
    }
    return RestResponse.ok(out, r.startedNanos());
  }

  private RestResponse upsert(RestRequest r) {
    return update(r, PointWriteJson::upsert);
  }

  private RestResponse deletePoints(RestRequest r) {
    return update(r, PointWriteJson::deletePoints);
  }

  /** A point update: {@code wait} and {@code ordering} from the query, the op from the body. */
  private RestResponse update(RestRequest r, Function<JsonNode, UpdateOp> decode) {
    String name = Handlers.target(dispatcher, r);
    boolean wait = r.boolQuery("wait", false);
    r.checkOrdering();
    UpdateOp op = decode.apply(r.json());
    StrictMode.of(dispatcher, name).update(op);
    var shards = ValueJson.shardSelector(r.json());
    return RestResponse.ok(
        PointWriteJson.updateResult(dispatcher.points().update(name, op, wait, shards)),
        r.startedNanos());
  }

  private RestResponse getPoints(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    ReadJson.Retrieve q = ReadJson.retrieve(r.json());
    ArrayNode arr = Json.MAPPER.createArrayNode();
    for (PointRecord p :
        dispatcher
            .points()
            .retrieve(
                name,
                q.ids(),
                q.withPayload(),
                q.withVectors(),
                r.consistency(),
                ValueJson.shardSelector(r.json()))) {
      arr.add(ReadJson.record(p));
    }
    return RestResponse.ok(arr, r.startedNanos());
  }

  private RestResponse getPoint(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    PointId id = ValueJson.parsePointId(r.path("id"));
    if (id == null) {
      throw new RequestException.Malformed(
          "Path deserialize error: `" + r.path("id") + "` is not an unsigned integer or a UUID");
    }
    List<PointRecord> found =
        dispatcher
            .points()
            .retrieve(
                name,
                List.of(id),
                WithPayload.ALL,
                WithVectors.ALL,
                r.consistency(),
                ShardSelector.ALL);
    if (found.isEmpty()) {
      throw new StorageException.NotFound("No point with id " + id + " found");
    }
    return RestResponse.ok(ReadJson.record(found.getFirst()), r.startedNanos());
  }

  private RestResponse search(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    ArrayNode arr = Json.MAPPER.createArrayNode();
    SearchRequest search = ReadJson.search(r.json());
    StrictMode.of(dispatcher, name).query(Queries.nearest(search));
    for (ScoredPoint p :
        dispatcher
            .points()
            .search(name, search, r.consistency(), ValueJson.shardSelector(r.json()))) {
      arr.add(ReadJson.scoredPoint(p));
    }
    return RestResponse.ok(arr, r.startedNanos());
  }

  private RestResponse query(RestRequest r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode arr = o.putArray("points");
    for (ScoredPoint p : queryOne(Handlers.target(dispatcher, r), r.json(), r)) {
      arr.add(ReadJson.scoredPoint(p));
    }
    return RestResponse.ok(o, r.startedNanos());
  }

  /** One query body ({@code QueryRequest}, {@code RecommendRequest}, {@code DiscoverRequest}). */
  private List<ScoredPoint> queryOne(String name, JsonNode body, RestRequest r) {
    return queryOne(name, body, r, QueryJson::query);
  }

  private List<ScoredPoint> queryOne(
      String name, JsonNode body, RestRequest r, Function<JsonNode, Queries.Request> decode) {
    Queries.Request request = decode.apply(body);
    StrictMode.of(dispatcher, name).query(request);
    return Queries.run(dispatcher, name, request, r.consistency(), ValueJson.shardSelector(body));
  }

  /**
   * {@code POST /points/search/groups}, {@code /points/query/groups}, {@code /recommend/groups}.
   */
  private RestResponse groups(
      RestRequest r, Function<JsonNode, Queries.Request> decode, boolean query) {
    String name = Handlers.target(dispatcher, r);
    JsonNode body = r.json();
    var shards = ValueJson.shardSelector(body);
    ReadJson.GroupsParams g = ReadJson.groups(body, query);
    var request = decode.apply(body);
    StrictMode.of(dispatcher, name).query(request);
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode groups = o.putArray("groups");
    for (var group :
        Groups.search(
            dispatcher,
            name,
            request,
            g.groupBy(),
            g.groupSize(),
            request.stage().limit(),
            g.withLookup(),
            r.consistency(),
            shards)) {
      ObjectNode out = groups.addObject();
      out.set("id", ValueJson.json(group.id()));
      ArrayNode hits = out.putArray("hits");
      group.hits().forEach(h -> hits.add(ReadJson.scoredPoint(h)));
      if (group.lookup() != null) {
        out.set("lookup", ReadJson.record(group.lookup()));
      }
    }
    return RestResponse.ok(o, r.startedNanos());
  }

  private static final Function<JsonNode, Queries.Request> SEARCH =
      body -> Queries.nearest(ReadJson.search(body));

  /** {@code POST /points/recommend} and {@code /points/discover}: a list of ScoredPoint. */
  private RestResponse points(RestRequest r, Function<JsonNode, Queries.Request> decode) {
    ArrayNode arr = Json.MAPPER.createArrayNode();
    queryOne(Handlers.target(dispatcher, r), r.json(), r, decode)
        .forEach(p -> arr.add(ReadJson.scoredPoint(p)));
    return RestResponse.ok(arr, r.startedNanos());
  }

  /** {@code POST /points/recommend/batch} and {@code /points/discover/batch}: one list each. */
  private RestResponse pointsBatch(RestRequest r, Function<JsonNode, Queries.Request> decode) {
    String name = Handlers.target(dispatcher, r);
    ArrayNode out = Json.MAPPER.createArrayNode();
    List<JsonNode> items = PointWriteJson.batchItems(r.json(), "searches");
    StrictMode.of(dispatcher, name).searchBatch(items.size());
    for (var item : items) {
      ArrayNode hits = out.addArray();
      queryOne(name, item, r, decode).forEach(p -> hits.add(ReadJson.scoredPoint(p)));
    }
    return RestResponse.ok(out, r.startedNanos());
  }

  private RestResponse scroll(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    ReadJson.Scroll q = ReadJson.scroll(r.json());
    StrictMode.of(dispatcher, name).read(q.filter(), (long) q.limit());
    if (q.orderBy() != null) {
      ObjectNode o = Json.MAPPER.createObjectNode();
      ArrayNode arr = o.putArray("points");
      for (var p :
          Ordering.scroll(
              dispatcher,
              name,
              q.filter(),
              q.orderBy(),
              q.limit(),
              q.withPayload(),
              q.withVectors(),
              r.consistency(),
              ValueJson.shardSelector(r.json()))) {
        arr.add(ReadJson.record(p.record(), p.value()));
      }
      o.putNull("next_page_offset");
      return RestResponse.ok(o, r.startedNanos());
    }
    var page =
        dispatcher
            .points()
            .scroll(
                name,
                q.filter(),
                q.offset(),
                q.limit(),
                q.withPayload(),
                q.withVectors(),
                r.consistency(),
                ValueJson.shardSelector(r.json()));
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode arr = o.putArray("points");
    page.points().forEach(p -> arr.add(ReadJson.record(p)));
    o.set(
        "next_page_offset",
        page.nextOffset() == null ? Json.MAPPER.nullNode() : ValueJson.pointId(page.nextOffset()));
    return RestResponse.ok(o, r.startedNanos());
  }

  private RestResponse countPoints(RestRequest r) {
    String name = Handlers.target(dispatcher, r);
    var filter = ReadJson.countFilter(r.json());
    StrictMode.of(dispatcher, name).read(filter, null);
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put(
        "count",
        dispatcher
            .points()
            .count(name, filter, r.consistency(), ValueJson.shardSelector(r.json())));
    return RestResponse.ok(o, r.startedNanos());
  }
}
