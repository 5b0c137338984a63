package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wider Qdrant API against the packaged server (batches, recommendations, groups, facets,
 * aliases, payload indexes, custom sharding), every answer validated against Qdrant's OpenAPI.
 */
class ApiSurfaceIT extends SingleNodeFixture {

  private Rest start() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    return new Rest(node.httpPort, openApi);
  }

  @Test
  void batchUpdatesSearchesAndQueries() throws Exception {
    Rest rest = start();
    String c = "/collections/{collection_name}";
    rest.call("PUT", c, "/collections/b", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    var results =
        rest.call(
                "POST",
                c + "/points/batch",
                "/collections/b/points/batch?wait=true",
                "{\"operations\":["
                    + "{\"upsert\":{\"points\":[{\"id\":1,\"vector\":[1,0]},{\"id\":2,\"vector\":[0,1]},"
                    + "{\"id\":3,\"vector\":[1,1]}]}},"
                    + "{\"set_payload\":{\"payload\":{\"k\":\"v\"},\"points\":[1,2]}},"
                    + "{\"delete_payload\":{\"keys\":[\"k\"],\"points\":[2]}},"
                    + "{\"delete\":{\"points\":[3]}}]}")
            .result();
    assertThat(results).hasSize(4);
    assertThat(results.get(3).get("status").asText()).isEqualTo("completed");
    var got =
        rest.call("POST", c + "/points", "/collections/b/points", "{\"ids\":[1,2,3]}").result();
    assertThat(got).hasSize(2);
    assertThat(got.get(0).at("/payload/k").asText()).isEqualTo("v");
    assertThat(got.get(1).get("payload").has("k")).isFalse();
    // a malformed operation anywhere in the batch changes nothing
    var bad =
        rest.call(
            "POST",
            c + "/points/batch",
            "/collections/b/points/batch?wait=true",
            "{\"operations\":[{\"delete\":{\"points\":[1]}},{\"explode\":{}}]}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(
            rest.call("POST", c + "/points/count", "/collections/b/points/count", "{}")
                .result()
                .get("count")
                .asInt())
        .isEqualTo(2);

    // a legacy route the current spec no longer lists: each item is a list of ScoredPoint
    var searchAnswer =
        rest.send(
            "POST",
            "/collections/b/points/search/batch",
            "{\"searches\":[{\"vector\":[1,0],\"limit\":1},{\"vector\":[0,1],\"limit\":2}]}");
    assertThat(searchAnswer.status()).isEqualTo(200);
    var searches = searchAnswer.result();
    assertThat(searches).hasSize(2);
    for (JsonNode list : searches) {
      for (JsonNode hit : list) {
        assertThat(openApi.validate(openApi.component("ScoredPoint"), hit)).isEmpty();
      }
    }
    assertThat(searches.get(0).get(0).get("id").asInt()).isEqualTo(1);
    assertThat(searches.get(1)).hasSize(2);
    assertThat(searches.get(1).get(0).get("id").asInt()).isEqualTo(2);
    var queries =
        rest.call(
                "POST",
                c + "/points/query/batch",
                "/collections/b/points/query/batch",
                "{\"searches\":[{\"query\":[1,0],\"limit\":1},{\"query\":[0,1],\"limit\":1}]}")
            .result();
    assertThat(queries.get(0).at("/points/0/id").asInt()).isEqualTo(1);
    assertThat(queries.get(1).at("/points/0/id").asInt()).isEqualTo(2);

    // recommendations (average_vector): the examples are left out of the results
    rest.call(
        "PUT",
        c + "/points",
        "/collections/b/points?wait=true",
        "{\"points\":[{\"id\":4,\"vector\":[0.8,0.2]},{\"id\":5,\"vector\":[0.2,0.8]}]}");
    var rec =
        rest.send(
            "POST",
            "/collections/b/points/recommend",
            "{\"positive\":[1],\"negative\":[2],\"limit\":5}");
    assertThat(rec.status()).as(rec.body()).isEqualTo(200);
    assertThat(rec.result()).extracting(h -> h.get("id").asInt()).containsExactly(4, 5);
    assertThat(rec.result().get(0).get("score").floatValue()).isCloseTo(1.4f, within(1e-4f));
    var byId =
        rest.call(
                "POST",
                c + "/points/query",
                "/collections/b/points/query",
                "{\"query\":1,\"limit\":1}")
            .result();
    assertThat(byId.at("/points/0/id").asInt()).isEqualTo(4);
    var recQuery =
        rest.call(
                "POST",
                c + "/points/query",
                "/collections/b/points/query",
                "{\"query\":{\"recommend\":{\"positive\":[2],\"negative\":[[1,0]]}},\"limit\":1}")
            .result();
    assertThat(recQuery.at("/points/0/id").asInt()).isEqualTo(5);
    assertThat(
            rest.send("POST", "/collections/b/points/recommend", "{\"positive\":[99],\"limit\":1}")
                .status())
        .isEqualTo(404);

    // vectors replaced in place, the payload kept
    rest.call(
        "PUT",
        c + "/points/vectors",
        "/collections/b/points/vectors?wait=true",
        "{\"points\":[{\"id\":1,\"vector\":[0,3]}]}");
    var one = rest.call("GET", c + "/points/{id}", "/collections/b/points/1", null).result();
    assertThat(one.get("vector").toString()).isEqualTo("[0.0,3.0]");
    assertThat(one.at("/payload/k").asText()).isEqualTo("v");
    assertThat(
            rest.call(
                    "PUT",
                    c + "/points/vectors",
                    "/collections/b/points/vectors?wait=true",
                    "{\"points\":[{\"id\":77,\"vector\":[0,3]}]}")
                .status())
        .isEqualTo(404);
    assertThat(
            rest.call(
                    "POST",
                    c + "/points/vectors/delete",
                    "/collections/b/points/vectors/delete?wait=true",
                    "{\"points\":[1],\"vector\":[\"nope\"]}")
                .status())
        .isEqualTo(400);
    assertThat(
            rest.send(
                    "POST",
                    "/collections/b/points/recommend",
                    "{\"positive\":[1],\"strategy\":\"fastest\",\"limit\":1}")
                .status())
        .isEqualTo(422);
  }

  @Test
  void universalQueryPrefetchFusionDiscoverAndLookups() throws Exception {
    Rest rest = start();
    String c = "/collections/{collection_name}";
    rest.call(
        "PUT",
        c,
        "/collections/u",
        "{\"vectors\":{\"size\":2,\"distance\":\"Cosine\",\"on_disk\":true,"
            + "\"hnsw_config\":{\"m\":8,\"ef_construct\":50}},\"hnsw_config\":{\"m\":24}}");
    // the vector's own HNSW settings over the collection's, reported in its params as given
    var params = rest.call("GET", c, "/collections/u", null).result().at("/config/params/vectors");
    assertThat(params.at("/hnsw_config/m").asInt()).isEqualTo(8);
    assertThat(params.at("/hnsw_config/ef_construct").asInt()).isEqualTo(50);
    assertThat(params.get("hnsw_config").properties()).as("only the keys set").hasSize(2);
    assertThat(params.at("/on_disk").asBoolean()).isTrue();
    rest.call("PUT", c, "/collections/cities", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < 36; i++) {
      double a = Math.toRadians(i * 10);
      points
          .append(i == 0 ? "" : ",")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[")
          .append(Math.cos(a))
          .append(',')
          .append(Math.sin(a))
          .append("],\"payload\":{\"deg\":")
          .append(i * 10)
          .append(",\"city\":")
          .append(i % 3)
          .append("}}");
    }
    rest.call(
        "PUT", c + "/points", "/collections/u/points?wait=true", "{\"points\":[" + points + "]}");
    rest.call(
        "PUT",
        c + "/points",
        "/collections/cities/points?wait=true",
        "{\"points\":[{\"id\":0,\"vector\":[0,0],\"payload\":{\"name\":\"Oslo\"}},"
            + "{\"id\":1,\"vector\":[0,0],\"payload\":{\"name\":\"Lima\"}},"
            + "{\"id\":2,\"vector\":[0,0],\"payload\":{\"name\":\"Pune\"}}]}");

    // two prefetches (near 0 and near 90 degrees) fused by reciprocal rank
    var fused =
        rest.call(
                "POST",
                c + "/points/query",
                "/collections/u/points/query",
                "{\"prefetch\":[{\"query\":[1,0],\"limit\":3},{\"query\":[0,1],\"limit\":3}],"
                    + "\"query\":{\"fusion\":\"rrf\"},\"limit\":6,\"with_payload\":true}")
            .result()
            .get("points");
    assertThat(fused).hasSize(6);
    assertThat(fused.get(0).get("score").floatValue()).isCloseTo(0.5f, within(1e-6f));
    assertThat(fused)
        .extracting(p -> p.get("id").asInt())
        .containsExactlyInAnyOrder(0, 1, 35, 9, 8, 10);
    assertThat(fused.get(0).at("/payload/deg").isNumber()).isTrue();
    // a prefetch re-ranked by another vector: only what the prefetch found
    var reranked =
        rest.call(
                "POST",
                c + "/points/query",
                "/collections/u/points/query",
                "{\"prefetch\":{\"query\":[1,0],\"limit\":5,"
                    + "\"filter\":{\"must\":[{\"key\":\"deg\",\"range\":{\"lte\":100}}]}},"
                    + "\"query\":[0,1],\"limit\":2}")
            .result()
            .get("points");
    assertThat(reranked).extracting(p -> p.get("id").asInt()).containsExactly(4, 3);
    // order_by with order_value, over an integer index
    rest.call(
        "PUT",
        c + "/index",
        "/collections/u/index?wait=true",
        "{\"field_name\":\"deg\",\"field_schema\":\"integer\"}");
    var ordered =
        rest.call(
                "POST",
                c + "/points/query",
                "/collections/u/points/query",
                "{\"query\":{\"order_by\":{\"key\":\"deg\",\"direction\":\"desc\"}},\"limit\":2}")
            .result()
            .get("points");
    assertThat(ordered).extracting(p -> p.get("order_value").asInt()).containsExactly(350, 340);
    var sample =
        rest.call(
                "POST",
                c + "/points/query",
                "/collections/u/points/query",
                "{\"query\":{\"sample\":\"random\"},\"limit\":5}")
            .result()
            .get("points");
    assertThat(sample).hasSize(5);
    // discovery: target 90 degrees, but on the side of 180 rather than 0
    var discovered =
        rest.send(
            "POST",
            "/collections/u/points/discover",
            "{\"target\":[0,1],\"context\":[{\"positive\":18,\"negative\":0}],\"limit\":3}");
    assertThat(discovered.status()).as(discovered.body()).isEqualTo(200);
    for (JsonNode hit : discovered.result()) {
      assertThat(openApi.validate(openApi.component("ScoredPoint"), hit)).isEmpty();
      assertThat(hit.get("id").asInt()).isBetween(10, 17);
    }
    var discoverQuery =
        rest.call(
                "POST",
                c + "/points/query",
                "/collections/u/points/query",
                "{\"query\":{\"discover\":{\"target\":[0,1],"
                    + "\"context\":{\"positive\":18,\"negative\":0}}},\"limit\":3}")
            .result()
            .get("points");
    assertThat(discoverQuery.get(0).get("id")).isEqualTo(discovered.result().get(0).get("id"));
    var batch =
        rest.send(
            "POST",
            "/collections/u/points/discover/batch",
            "{\"searches\":[{\"context\":[{\"positive\":9,\"negative\":27}],\"limit\":2}]}");
    assertThat(batch.status()).isEqualTo(200);
    assertThat(batch.result().get(0)).hasSize(2);
    // relevance feedback, naive strategy: cos(t) + 1 * 1 * (cos(t - 90) - cos(t - 270)) peaks at
    // t = 63.4 degrees: points 6 (60) and 7 (70); the examples by id are never results
    var feedback =
        rest.call(
                "POST",
                c + "/points/query",
                "/collections/u/points/query",
                "{\"query\":{\"relevance_feedback\":{\"target\":[1,0],"
                    + "\"feedback\":[{\"example\":9,\"score\":1},{\"example\":27,\"score\":0}],"
                    + "\"strategy\":{\"naive\":{\"a\":1,\"b\":1,\"c\":1}}}},\"limit\":2}")
            .result()
            .get("points");
    assertThat(feedback).extracting(p -> p.get("id").asInt()).containsExactly(6, 7);
    assertThat(feedback.get(0).get("score").asDouble())
        .isCloseTo(0.5 + 2 * Math.sin(Math.toRadians(60)), within(1e-4));
    // best_score recommendations and groups with their looked-up records
    var best =
        rest.send(
            "POST",
            "/collections/u/points/recommend",
            "{\"positive\":[9],\"negative\":[27],\"strategy\":\"best_score\",\"limit\":2}");
    assertThat(best.result()).extracting(p -> p.get("id").asInt()).containsExactlyInAnyOrder(8, 10);
    var groups =
        rest.call(
                "POST",
                c + "/points/query/groups",
                "/collections/u/points/query/groups",
                "{\"query\":[1,0],\"group_by\":\"city\",\"group_size\":2,\"limit\":3,"
                    + "\"with_lookup\":{\"collection\":\"cities\",\"with_payload\":[\"name\"]}}")
            .result()
            .get("groups");
    assertThat(groups).hasSize(3);
    for (JsonNode g : groups) {
      String name = List.of("Oslo", "Lima", "Pune").get(g.get("id").asInt());
      assertThat(g.at("/lookup/payload/name").asText()).isEqualTo(name);
    }
    // a query that cannot run answers 400: a formula or a fusion without prefetches, a bad fusion
    assertThat(
            rest.send(
                    "POST",
                    "/collections/u/points/query",
                    "{\"query\":{\"formula\":{\"sum\":[\"$score\"]}}}")
                .status())
        .isEqualTo(400);
    assertThat(
            rest.send("POST", "/collections/u/points/query", "{\"query\":{\"fusion\":\"rrf\"}}")
                .status())
        .isEqualTo(400);
    assertThat(
            rest.send("POST", "/collections/u/points/query", "{\"query\":{\"fusion\":\"max\"}}")
                .status())
        .isEqualTo(400);
    // update_filter: point 1 (city 1) is replaced, point 2 (city 2) keeps its state, 40 is new
    rest.call(
        "PUT",
        c + "/points",
        "/collections/u/points?wait=true",
        "{\"points\":[{\"id\":1,\"vector\":[1,0],\"payload\":{\"deg\":-1}},"
            + "{\"id\":2,\"vector\":[1,0],\"payload\":{\"deg\":-1}},"
            + "{\"id\":40,\"vector\":[1,0],\"payload\":{\"deg\":-1}}],"
            + "\"update_filter\":{\"must\":[{\"key\":\"city\",\"match\":{\"value\":1}}]}}");
    JsonNode after =
        rest.call(
                "POST",
                c + "/points",
                "/collections/u/points",
                "{\"ids\":[1,2,40],\"with_payload\":true}")
            .result();
    assertThat(after).extracting(p -> p.at("/payload/deg").asInt()).containsExactly(-1, 20, -1);
  }

  @Test
  void facetsAndTelemetry() throws Exception {
    Rest rest = start();
    String c = "/collections/{collection_name}";
    rest.call("PUT", c, "/collections/f", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    rest.call(
        "PUT",
        c + "/points",
        "/collections/f/points?wait=true",
        "{\"points\":["
            + "{\"id\":1,\"vector\":[1,0],\"payload\":{\"color\":\"red\",\"n\":1}},"
            + "{\"id\":2,\"vector\":[1,0],\"payload\":{\"color\":[\"red\",\"blue\",\"red\"],\"n\":2}},"
            + "{\"id\":3,\"vector\":[1,0],\"payload\":{\"color\":\"blue\",\"n\":3}},"
            + "{\"id\":4,\"vector\":[1,0],\"payload\":{\"color\":\"red\",\"n\":4}},"
            + "{\"id\":5,\"vector\":[1,0]}]}");
    var noIndex = rest.call("POST", c + "/facet", "/collections/f/facet", "{\"key\":\"color\"}");
    assertThat(noIndex.status()).isEqualTo(400);
    assertThat(noIndex.error()).contains("Index required");
    rest.call(
        "PUT",
        c + "/index",
        "/collections/f/index?wait=true",
        "{\"field_name\":\"color\",\"field_schema\":\"keyword\"}");
    var hits =
        rest.call("POST", c + "/facet", "/collections/f/facet", "{\"key\":\"color\"}")
            .result()
            .get("hits");
    assertThat(hits.toString())
        .isEqualTo("[{\"count\":3,\"value\":\"red\"},{\"count\":2,\"value\":\"blue\"}]");
    var filtered =
        rest.call(
                "POST",
                c + "/facet",
                "/collections/f/facet",
                "{\"key\":\"color\",\"limit\":1,\"filter\":{\"must\":[{\"key\":\"n\",\"range\":{\"lte\":2}}]}}")
            .result()
            .get("hits");
    assertThat(filtered.toString()).isEqualTo("[{\"count\":2,\"value\":\"red\"}]");

    // groups by a payload value: the best groups, each with its best points
    var groups =
        rest.call(
                "POST",
                c + "/points/query/groups",
                "/collections/f/points/query/groups",
                "{\"query\":[1,0],\"group_by\":\"color\",\"group_size\":2,\"limit\":5,\"with_payload\":[\"n\"]}")
            .result()
            .get("groups");
    assertThat(groups).hasSize(2);
    for (JsonNode g : groups) {
      assertThat(g.get("hits")).hasSize(2);
      assertThat(g.at("/hits/0/payload").has("color")).isFalse();
    }
    assertThat(groups.get(0).get("id").asText()).isIn("red", "blue");
    var legacy =
        rest.send(
            "POST",
            "/collections/f/points/search/groups",
            "{\"vector\":[1,0],\"group_by\":\"color\",\"group_size\":1,\"limit\":1}");
    assertThat(legacy.status()).isEqualTo(200);
    assertThat(legacy.result().get("groups")).hasSize(1);
    assertThat(legacy.result().at("/groups/0/hits")).hasSize(1);

    // scroll ordered by a numeric payload value (needs a range index)
    String scroll = c + "/points/scroll";
    assertThat(
            rest.call("POST", scroll, "/collections/f/points/scroll", "{\"order_by\":\"n\"}")
                .status())
        .isEqualTo(400);
    rest.call(
        "PUT",
        c + "/index",
        "/collections/f/index?wait=true",
        "{\"field_name\":\"n\",\"field_schema\":\"integer\"}");
    var desc =
        rest.call(
                "POST",
                scroll,
                "/collections/f/points/scroll",
                "{\"order_by\":{\"key\":\"n\",\"direction\":\"desc\"},\"limit\":2}")
            .result();
    assertThat(desc.get("points")).extracting(p -> p.get("id").asInt()).containsExactly(4, 3);
    assertThat(desc.at("/points/0/order_value").asInt()).isEqualTo(4);
    assertThat(desc.get("next_page_offset").isNull()).isTrue();
    var from =
        rest.call(
                "POST",
                scroll,
                "/collections/f/points/scroll",
                "{\"order_by\":{\"key\":\"n\",\"start_from\":2},\"limit\":10}")
            .result();
    assertThat(from.get("points")).extracting(p -> p.get("id").asInt()).containsExactly(2, 3, 4);
    assertThat(
            rest.call(
                    "POST",
                    scroll,
                    "/collections/f/points/scroll",
                    "{\"order_by\":\"n\",\"offset\":3}")
                .status())
        .isEqualTo(422);
    // ordered by a datetime index: order values are microseconds, start_from a date-time
    for (int id = 1; id <= 4; id++) {
      rest.call(
          "POST",
          c + "/points/payload",
          "/collections/f/points/payload?wait=true",
          "{\"payload\":{\"at\":\"2025-01-0" + id + "T12:00:00Z\"},\"points\":[" + id + "]}");
    }
    rest.call(
        "PUT",
        c + "/index",
        "/collections/f/index?wait=true",
        "{\"field_name\":\"at\",\"field_schema\":\"datetime\"}");
    var byTime =
        rest.call(
                "POST",
                scroll,
                "/collections/f/points/scroll",
                "{\"order_by\":{\"key\":\"at\",\"direction\":\"desc\","
                    + "\"start_from\":\"2025-01-03T12:00:00Z\"},\"limit\":10}")
            .result();
    assertThat(byTime.get("points")).extracting(p -> p.get("id").asInt()).containsExactly(3, 2, 1);
    assertThat(byTime.at("/points/0/order_value").asLong())
        .isEqualTo(Instant.parse("2025-01-03T12:00:00Z").toEpochMilli() * 1000);

    var recGroups =
        rest.send(
            "POST",
            "/collections/f/points/recommend/groups",
            "{\"positive\":[1],\"group_by\":\"color\",\"group_size\":1,\"limit\":2}");
    assertThat(recGroups.status()).as(recGroups.body()).isEqualTo(200);
    assertThat(recGroups.result().get("groups")).hasSize(2);
    for (JsonNode g : recGroups.result().get("groups")) {
      assertThat(g.at("/hits/0/id").asInt()).isNotEqualTo(1); // the example is left out
      assertThat(openApi.validate(openApi.component("PointGroup"), g)).isEmpty();
    }

    // the distance matrix of a sample: every sampled point with its nearest others
    var pairs =
        rest.call(
                "POST",
                c + "/points/search/matrix/pairs",
                "/collections/f/points/search/matrix/pairs",
                "{\"sample\":5,\"limit\":2}")
            .result()
            .get("pairs");
    assertThat(pairs).hasSize(10);
    for (JsonNode pair : pairs) {
      assertThat(pair.get("a").asInt()).isNotEqualTo(pair.get("b").asInt());
    }
    var offsets =
        rest.call(
                "POST",
                c + "/points/search/matrix/offsets",
                "/collections/f/points/search/matrix/offsets",
                "{\"sample\":3,\"limit\":1,\"filter\":{\"must\":[{\"key\":\"n\",\"range\":{\"lte\":3}}]}}")
            .result();
    assertThat(offsets.get("ids")).extracting(JsonNode::asInt).containsExactly(1, 2, 3);
    assertThat(offsets.get("offsets_row")).extracting(JsonNode::asInt).containsExactly(0, 1, 2);
    assertThat(offsets.get("scores")).hasSize(3);

    var telemetry = rest.call("GET", "/telemetry", "/telemetry?details_level=1", null).result();
    assertThat(telemetry.at("/collections/number_of_collections").asInt()).isEqualTo(1);
    assertThat(telemetry.at("/collections/collections/0/vectors").asInt()).isEqualTo(5);
    assertThat(telemetry.get("id").asText()).isNotEmpty();
    assertThat(telemetry.at("/app/features/gpu").isBoolean()).isTrue();
    assertThat(telemetry.at("/cluster/enabled").asBoolean()).isFalse();
    // the requests served so far, by endpoint and status, as Qdrant's telemetry counts them
    var matrix =
        telemetry
            .at("/requests/rest/responses")
            .path("POST /collections/{name}/points/search/matrix/offsets")
            .path("200");
    assertThat(matrix.get("count").asInt()).isEqualTo(1);
    assertThat(matrix.get("fail_count").asInt()).isZero();
    assertThat(matrix.get("avg_duration_micros").asDouble()).isPositive();
    assertThat(telemetry.at("/requests/grpc/responses").isObject()).isTrue();
    // the service odds and ends, each in the spec's shape
    var cluster = rest.call("GET", "/cluster/telemetry", "/cluster/telemetry", null).result();
    assertThat(cluster.at("/cluster/enabled").asBoolean()).isFalse();
    assertThat(cluster.at("/collections/f/id").asText()).isEqualTo("f");
    assertThat(rest.call("GET", "/issues", "/issues", null).result().get("issues")).isEmpty();
    // a named vector added to an existing collection, used, and deleted again
    String vn = "/collections/{collection_name}/vectors/{vector_name}";
    rest.call(
        "PUT",
        "/collections/{collection_name}",
        "/collections/nv",
        "{\"vectors\":{\"text\":{\"size\":2,\"distance\":\"Dot\"}}}");
    rest.call(
        "PUT",
        "/collections/{collection_name}/points",
        "/collections/nv/points?wait=true",
        "{\"points\":[{\"id\":1,\"vector\":{\"text\":[1,0]}},{\"id\":2,\"vector\":{\"text\":[0,1]}}]}");
    var added =
        rest.call(
            "PUT",
            vn,
            "/collections/nv/vectors/image",
            "{\"dense\":{\"size\":3,\"distance\":\"Euclid\"}}");
    assertThat(added.status()).as(added.body()).isEqualTo(200);
    assertThat(added.result().get("status").asText()).isEqualTo("completed");
    assertThat(
            rest.call(
                    "PUT",
                    vn,
                    "/collections/nv/vectors/image",
                    "{\"dense\":{\"size\":3,\"distance\":\"Euclid\"}}")
                .status())
        .isEqualTo(400);
    rest.call(
        "PUT",
        "/collections/{collection_name}/points/vectors",
        "/collections/nv/points/vectors?wait=true",
        "{\"points\":[{\"id\":2,\"vector\":{\"image\":[1,2,3]}}]}");
    var byImage =
        rest.call(
                "POST",
                "/collections/{collection_name}/points/query",
                "/collections/nv/points/query",
                "{\"query\":[1,2,3],\"using\":\"image\",\"limit\":5}")
            .result()
            .get("points");
    assertThat(byImage).extracting(p -> p.get("id").asInt()).containsExactly(2);
    assertThat(rest.call("DELETE", vn, "/collections/nv/vectors/text", null).status())
        .isEqualTo(200);
    assertThat(rest.call("DELETE", vn, "/collections/nv/vectors/text", null).status())
        .isEqualTo(404);
    var nv = rest.call("GET", "/collections/{collection_name}", "/collections/nv", null).result();
    assertThat(nv.at("/config/params/vectors").has("text")).isFalse();
    assertThat(nv.get("points_count").asInt()).isEqualTo(2);
    var recover = rest.send("POST", "/cluster/recover", null);
    assertThat(recover.status()).isEqualTo(400);
    assertThat(recover.error()).contains("Distributed mode disabled");
    assertThat(rest.call("DELETE", "/issues", "/issues", null).result().asBoolean()).isTrue();
    var optimizations =
        rest.call(
                "GET",
                "/collections/{collection_name}/optimizations",
                "/collections/f/optimizations",
                null)
            .result();
    assertThat(optimizations.at("/summary/queued_points").asInt()).isZero();
    assertThat(optimizations.get("running")).isEmpty();
  }

  @Test
  void aliasesAndPayloadIndexes() throws Exception {
    Rest rest = start();
    String c = "/collections/{collection_name}";
    rest.call("PUT", c, "/collections/v1", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    rest.call("PUT", c, "/collections/v2", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    rest.call(
        "PUT",
        c + "/points",
        "/collections/v2/points?wait=true",
        "{\"points\":[{\"id\":1,\"vector\":[1,0],\"payload\":{\"city\":\"Oslo\"}},"
            + "{\"id\":2,\"vector\":[0,1]}]}");
    String aliases = "/collections/aliases";
    assertThat(
            rest.call(
                    "POST",
                    aliases,
                    aliases,
                    "{\"actions\":[{\"create_alias\":{\"collection_name\":\"v1\",\"alias_name\":\"prod\"}}]}")
                .result()
                .asBoolean())
        .isTrue();
    // a blue-green switch: one atomic request re-points the alias
    rest.call(
        "POST",
        aliases,
        aliases,
        "{\"actions\":[{\"delete_alias\":{\"alias_name\":\"prod\"}},"
            + "{\"create_alias\":{\"collection_name\":\"v2\",\"alias_name\":\"prod\"}}]}");
    assertThat(
            rest.call("POST", c + "/points/count", "/collections/prod/points/count", "{}")
                .result()
                .get("count")
                .asInt())
        .isEqualTo(2);
    assertThat(rest.call("GET", "/aliases", "/aliases", null).result().toString())
        .isEqualTo("{\"aliases\":[{\"alias_name\":\"prod\",\"collection_name\":\"v2\"}]}");
    rest.call(
        "POST",
        aliases,
        aliases,
        "{\"actions\":[{\"rename_alias\":{\"old_alias_name\":\"prod\",\"new_alias_name\":\"live\"}}]}");
    assertThat(
            rest.call("GET", c + "/aliases", "/collections/v2/aliases", null).result().toString())
        .isEqualTo("{\"aliases\":[{\"alias_name\":\"live\",\"collection_name\":\"v2\"}]}");
    // all or nothing: the second action fails, so the first is not applied
    var failed =
        rest.call(
            "POST",
            aliases,
            aliases,
            "{\"actions\":[{\"create_alias\":{\"collection_name\":\"v1\",\"alias_name\":\"a1\"}},"
                + "{\"create_alias\":{\"collection_name\":\"nope\",\"alias_name\":\"a2\"}}]}");
    assertThat(failed.status()).isEqualTo(404);
    assertThat(rest.call("GET", "/aliases", "/aliases", null).result().get("aliases")).hasSize(1);
    assertThat(
            rest.call(
                    "POST",
                    aliases,
                    aliases,
                    "{\"actions\":[{\"delete_alias\":{\"alias_name\":\"ghost\"}}]}")
                .status())
        .isEqualTo(404);

    // payload indexes are recorded and reported with the points that have the field
    var created =
        rest.call(
            "PUT",
            c + "/index",
            "/collections/live/index?wait=true",
            "{\"field_name\":\"city\",\"field_schema\":\"keyword\"}");
    assertThat(created.result().get("status").asText()).isEqualTo("completed");
    rest.call(
        "PUT",
        c + "/index",
        "/collections/v2/index",
        "{\"field_name\":\"body\",\"field_schema\":{\"type\":\"text\",\"tokenizer\":\"word\"}}");
    JsonNode schema = rest.call("GET", c, "/collections/v2", null).result().get("payload_schema");
    assertThat(schema.at("/city/data_type").asText()).isEqualTo("keyword");
    assertThat(schema.at("/city/points").asInt()).isEqualTo(1);
    assertThat(schema.at("/body/params/tokenizer").asText()).isEqualTo("word");
    var badType =
        rest.call(
            "PUT",
            c + "/index",
            "/collections/v2/index",
            "{\"field_name\":\"x\",\"field_schema\":\"colour\"}");
    assertThat(badType.status()).isEqualTo(400);
    rest.call("DELETE", c + "/index/{field_name}", "/collections/v2/index/city", null);
    assertThat(
            rest.call("GET", c, "/collections/v2", null).result().get("payload_schema").has("city"))
        .isFalse();

    // aliases and indexes survive a restart; dropping a collection drops its aliases
    node.close();
    node.start();
    rest = new Rest(node.httpPort, openApi);
    assertThat(rest.call("GET", "/aliases", "/aliases", null).result().get("aliases")).hasSize(1);
    assertThat(
            rest.call("GET", c, "/collections/v2", null)
                .result()
                .at("/payload_schema/body/data_type")
                .asText())
        .isEqualTo("text");
    rest.call("DELETE", c, "/collections/v2", null);
    assertThat(rest.call("GET", "/aliases", "/aliases", null).result().get("aliases")).isEmpty();
  }

  @Test
  void quotasAreSetPersistedAndEnforced() throws Exception {
    // the seed from the configuration is in force until PUT /quotas sets one
    node =
        new QuiverProcess(
                work,
                Map.of(
                    "QDRANT__STORAGE__QUOTAS__ENABLED", "false",
                    "QDRANT__STORAGE__QUOTAS__MAX_DISK_USAGE_PERCENT", "97"))
            .start();
    Rest rest = new Rest(node.httpPort, openApi);
    String c = "/collections/{collection_name}";
    var seeded = rest.call("GET", "/quotas", "/quotas", null);
    assertThat(seeded.status()).as(seeded.body()).isEqualTo(200);
    assertThat(seeded.result().at("/config/enabled").asBoolean()).isFalse();
    assertThat(seeded.result().at("/config/max_disk_usage_percent").asInt()).isEqualTo(97);
    assertThat(seeded.result().at("/config/max_resident_memory_percent").isNull()).isTrue();
    int disk = seeded.result().at("/usage/disk_usage_percent").asInt(-1);
    assertThat(disk).isBetween(0, 100);
    assertThat(seeded.result().at("/usage/resident_memory_percent").asInt(-1)).isBetween(0, 100);
    assertThat(seeded.result().has("peers")).as("no peers outside a cluster").isFalse();
    rest.call("PUT", c, "/collections/q", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    String upsert = "/collections/q/points?wait=true";
    String point = "{\"points\":[{\"id\":1,\"vector\":[1,0]}]}";
    assertThat(rest.call("PUT", c + "/points", upsert, point).status()).isEqualTo(200);

    // out-of-range values are validation errors and change nothing
    var bad = rest.call("PUT", "/quotas", "/quotas", "{\"max_disk_usage_percent\":101}");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.error()).startsWith("Validation error in JSON body: [max_disk_usage_percent");
    assertThat(rest.call("PUT", "/quotas", "/quotas", "{\"enabled\":1}").status()).isEqualTo(400);
    assertThat(
            rest.call("GET", "/quotas", "/quotas", null).result().at("/config/enabled").asBoolean())
        .isFalse();

    // a disk limit under the filesystem's fill level refuses writes that add data, over REST and
    // gRPC; deletions still pass, reads too
    int limit = Math.max(1, disk - 10);
    var set =
        rest.call(
            "PUT",
            "/quotas",
            "/quotas?wait=true",
            "{\"enabled\":true,\"max_disk_usage_percent\":"
                + limit
                + ",\"max_resident_memory_percent\":100,\"release_margin_percent\":0}");
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    assertThat(set.result().asBoolean()).isTrue();
    var refused =
        rest.call("PUT", c + "/points", upsert, "{\"points\":[{\"id\":2,\"vector\":[0,1]}]}");
    assertThat(refused.status()).as(refused.body()).isEqualTo(507);
    assertThat(refused.error()).startsWith("Insufficient storage: disk usage is at ");
    assertThat(
            rest.call(
                    "PUT",
                    c + "/index",
                    "/collections/q/index?wait=true",
                    "{\"field_name\":\"k\",\"field_schema\":\"keyword\"}")
                .status())
        .isEqualTo(507);
    assertThat(
            rest.call(
                    "PUT", c, "/collections/q2", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}")
                .status())
        .isEqualTo(507);
    try (var client =
        new io.qdrant.client.QdrantClient(
            io.qdrant.client.QdrantGrpcClient.newBuilder("127.0.0.1", node.grpcPort, false, true)
                .build())) {
      Throwable t =
          org.assertj.core.api.Assertions.catchThrowable(
              () ->
                  client
                      .upsertAsync(
                          "q",
                          List.of(
                              io.qdrant.client.grpc.Points.PointStruct.newBuilder()
                                  .setId(io.qdrant.client.PointIdFactory.id(3))
                                  .setVectors(io.qdrant.client.VectorsFactory.vectors(0.5f, 0.5f))
                                  .build()))
                      .get());
      var status = io.grpc.Status.fromThrowable(t);
      assertThat(status.getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
      assertThat(status.getDescription()).startsWith("Insufficient storage: disk usage is at ");
    }
    var quota = rest.call("GET", "/quotas", "/quotas", null).result();
    assertThat(quota.at("/config/max_disk_usage_percent").asInt()).isEqualTo(limit);
    var telemetry = rest.call("GET", "/telemetry", "/telemetry", null).result();
    assertThat(telemetry.at("/quota/exceeded/disk_usage").asBoolean()).isTrue();
    assertThat(telemetry.at("/quota/exceeded/resident_memory").asBoolean()).isFalse();
    assertThat(
            rest.call(
                    "POST",
                    c + "/points/delete",
                    "/collections/q/points/delete?wait=true",
                    "{\"points\":[1]}")
                .status())
        .isEqualTo(200);
    assertThat(
            rest.call("POST", c + "/points/count", "/collections/q/points/count", "{}")
                .result()
                .get("count")
                .asInt())
        .isZero();

    // the configuration set survives a restart and wins over the seed
    node.close();
    node.start();
    rest = new Rest(node.httpPort, openApi);
    assertThat(
            rest.call("GET", "/quotas", "/quotas", null)
                .result()
                .at("/config/max_disk_usage_percent")
                .asInt())
        .isEqualTo(limit);
    assertThat(rest.call("PUT", c + "/points", upsert, point).status()).isEqualTo(507);
    assertThat(work.resolve("storage/quota.json")).exists();

    // disabled, nothing is refused and nothing is reported as exceeded
    rest.call(
        "PUT",
        "/quotas",
        "/quotas",
        "{\"enabled\":false,\"max_disk_usage_percent\":" + limit + "}");
    assertThat(rest.call("PUT", c + "/points", upsert, point).status()).isEqualTo(200);
    assertThat(
            rest.call("GET", "/telemetry", "/telemetry", null)
                .result()
                .at("/quota/exceeded/disk_usage")
                .isNull())
        .isTrue();
  }

  @Test
  void customShardingPlacesPointsByShardKey() throws Exception {
    Rest rest = start();
    String c = "/collections/{collection_name}";
    rest.call(
        "PUT",
        c,
        "/collections/ks",
        "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"sharding_method\":\"custom\","
            + "\"shard_number\":2}");
    assertThat(
            rest.call("GET", c, "/collections/ks", null)
                .result()
                .at("/config/params/sharding_method")
                .asText())
        .isEqualTo("custom");
    String pts = c + "/points";
    // a write must name its key, and the key must exist
    var noKey =
        rest.call(
            "PUT", pts, "/collections/ks/points", "{\"points\":[{\"id\":1,\"vector\":[1,0]}]}");
    assertThat(noKey.status()).isEqualTo(400);
    assertThat(noKey.error()).contains("Shard key is required");
    var unknownKey =
        rest.call(
            "PUT",
            pts,
            "/collections/ks/points",
            "{\"points\":[{\"id\":1,\"vector\":[1,0]}],\"shard_key\":\"eu\"}");
    assertThat(unknownKey.status()).isEqualTo(404);

    String shards = c + "/shards";
    assertThat(
            rest.call("PUT", shards, "/collections/ks/shards", "{\"shard_key\":\"eu\"}").status())
        .isEqualTo(200);
    assertThat(
            rest.call(
                    "PUT",
                    shards,
                    "/collections/ks/shards",
                    "{\"shard_key\":7,\"shards_number\":1}")
                .status())
        .isEqualTo(200);
    var again = rest.call("PUT", shards, "/collections/ks/shards", "{\"shard_key\":\"eu\"}");
    assertThat(again.status()).isEqualTo(400);
    assertThat(rest.call("GET", shards, "/collections/ks/shards", null).result().toString())
        .isEqualTo("{\"shard_keys\":[{\"key\":7},{\"key\":\"eu\"}]}");

    StringBuilder eu = new StringBuilder("{\"shard_key\":\"eu\",\"points\":[");
    for (int i = 1; i <= 10; i++) {
      eu.append(i > 1 ? "," : "")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[1,")
          .append(i)
          .append("]}");
    }
    rest.call("PUT", pts, "/collections/ks/points?wait=true", eu.append("]}").toString());
    rest.call(
        "PUT",
        pts,
        "/collections/ks/points?wait=true",
        "{\"shard_key\":7,\"points\":[{\"id\":11,\"vector\":[2,0]},{\"id\":12,\"vector\":[3,0]}]}");
    // one point under both keys is stored once in each
    rest.call(
        "PUT",
        pts,
        "/collections/ks/points?wait=true",
        "{\"shard_key\":[\"eu\",7],\"points\":[{\"id\":100,\"vector\":[9,9]}]}");

    assertThat(count(rest, "{\"shard_key\":\"eu\"}")).isEqualTo(11);
    assertThat(count(rest, "{\"shard_key\":7}")).isEqualTo(3);
    assertThat(count(rest, "{}")).isEqualTo(14);
    assertThat(count(rest, "{\"shard_key\":{\"target\":\"us\",\"fallback\":7}}")).isEqualTo(3);

    var hits =
        rest.call(
                "POST",
                c + "/points/query",
                "/collections/ks/points/query",
                "{\"query\":[1,0],\"limit\":3,\"shard_key\":7}")
            .result()
            .get("points");
    assertThat(hits).hasSize(3);
    for (JsonNode h : hits) {
      assertThat(h.get("shard_key").asLong()).isEqualTo(7);
    }
    assertThat(hits.get(0).get("id").asLong()).isEqualTo(100);
    var got =
        rest.call("POST", pts, "/collections/ks/points", "{\"ids\":[3,11],\"shard_key\":\"eu\"}")
            .result();
    assertThat(got).hasSize(1);
    assertThat(got.get(0).get("shard_key").asText()).isEqualTo("eu");
    var page =
        rest.call(
                "POST",
                c + "/points/scroll",
                "/collections/ks/points/scroll",
                "{\"limit\":100,\"shard_key\":\"eu\"}")
            .result();
    assertThat(page.get("points")).hasSize(11);

    var info = rest.call("GET", c + "/cluster", "/collections/ks/cluster", null).result();
    assertThat(info.get("shard_count").asInt()).isEqualTo(3);
    assertThat(info.get("local_shards").toString())
        .contains("\"shard_key\":\"eu\"")
        .contains("\"shard_key\":7");

    // the keys and their points survive a restart
    node.close();
    node.start();
    rest = new Rest(node.httpPort, openApi);
    assertThat(count(rest, "{\"shard_key\":\"eu\"}")).isEqualTo(11);

    // dropping a key drops its points
    assertThat(
            rest.call(
                    "POST",
                    shards + "/delete",
                    "/collections/ks/shards/delete",
                    "{\"shard_key\":7}")
                .status())
        .isEqualTo(200);
    assertThat(count(rest, "{}")).isEqualTo(11);
    assertThat(rest.call("GET", shards, "/collections/ks/shards", null).result().toString())
        .isEqualTo("{\"shard_keys\":[{\"key\":\"eu\"}]}");
    assertThat(
            rest.call(
                    "POST",
                    shards + "/delete",
                    "/collections/ks/shards/delete",
                    "{\"shard_key\":7}")
                .status())
        .isEqualTo(404);

    // a collection with auto sharding has no keys
    rest.call("PUT", c, "/collections/auto", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    assertThat(
            rest.call(
                    "PUT",
                    pts,
                    "/collections/auto/points",
                    "{\"shard_key\":\"eu\",\"points\":[{\"id\":1,\"vector\":[1,0]}]}")
                .status())
        .isEqualTo(400);
    assertThat(rest.call("GET", shards, "/collections/auto/shards", null).result().toString())
        .isEqualTo("{\"shard_keys\":null}");
  }

  private static long count(Rest rest, String body) throws Exception {
    return rest.call(
            "POST",
            "/collections/{collection_name}/points/count",
            "/collections/ks/points/count",
            body)
        .result()
        .get("count")
        .asLong();
  }
}
