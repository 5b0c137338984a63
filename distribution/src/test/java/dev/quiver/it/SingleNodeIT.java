package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST slice against the packaged server, every answer validated against Qdrant's OpenAPI. */
class SingleNodeIT {
  static OpenApiValidator openApi;

  @TempDir Path work;
  QuiverProcess node;

  @BeforeAll
  static void loadSpec() throws Exception {
    openApi = new OpenApiValidator();
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private Rest start() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    return new Rest(node.httpPort, openApi);
  }

  @Test
  void serviceEndpoints() throws Exception {
    Rest rest = start();
    var root = rest.call("GET", "/", "/", null);
    assertThat(root.json().get("title").asText()).isEqualTo("qdrant - vector search engine");
    assertThat(root.json().get("version").asText()).matches("\\d+\\.\\d+\\.\\d+");
    for (String p : new String[] {"/healthz", "/livez"}) {
      var a = rest.send("GET", p, null);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.body()).isEqualTo("healthz check passed");
    }
    assertThat(rest.send("GET", "/readyz", null).body()).isEqualTo("all shards are ready");
    assertThat(rest.call("GET", "/cluster", "/cluster", null).result().get("status").asText())
        .isEqualTo("disabled");
    assertThat(
            rest.send("PUT", "/collections/m", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}")
                .status())
        .isEqualTo(200);
    assertThat(
            rest.send(
                    "PUT",
                    "/collections/m/points?wait=true",
                    "{\"points\":[{\"id\":1,\"vector\":[1,0]},{\"id\":2,\"vector\":[0,1]}]}")
                .status())
        .isEqualTo(200);
    var metrics = rest.send("GET", "/metrics", null);
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.contentType()).startsWith("text/plain");
    assertThat(metrics.body())
        .contains(
            "rest_responses_seconds_count{endpoint=\"upsert_points\",method=\"PUT\",status=\"200\"} 1")
        .contains("rest_responses_seconds_bucket{endpoint=\"healthz\"")
        .contains("collections 1.0")
        .contains("collection_points{collection=\"m\"} 2.0")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void collectionsLifecycle() throws Exception {
    Rest rest = start();
    String t = "/collections/{collection_name}";
    assertThat(
            rest.call(
                    "PUT",
                    t,
                    "/collections/plain",
                    "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"}}")
                .result()
                .asBoolean())
        .isTrue();
    assertThat(
            rest.call(
                    "PUT",
                    t,
                    "/collections/named",
                    "{\"vectors\":{\"image\":{\"size\":3,\"distance\":\"Euclid\"},\"text\":{\"size\":2,\"distance\":\"Manhattan\",\"on_disk\":true}},"
                        + "\"hnsw_config\":{\"m\":32},\"shard_number\":2}")
                .status())
        .isEqualTo(200);
    rest.call("PUT", t, "/collections/cos", "{\"vectors\":{\"size\":2,\"distance\":\"Cosine\"}}");

    JsonNode list =
        rest.call("GET", "/collections", "/collections", null).result().get("collections");
    assertThat(list.findValuesAsText("name")).containsExactlyInAnyOrder("plain", "named", "cos");

    JsonNode plain = rest.call("GET", t, "/collections/plain", null).result();
    assertThat(plain.at("/config/params/vectors/size").asInt()).isEqualTo(4);
    assertThat(plain.at("/config/params/vectors/distance").asText()).isEqualTo("Dot");
    assertThat(plain.get("points_count").asLong()).isZero();
    JsonNode named = rest.call("GET", t, "/collections/named", null).result();
    assertThat(named.at("/config/params/vectors/image/distance").asText()).isEqualTo("Euclid");
    assertThat(named.at("/config/params/vectors/text/on_disk").asBoolean()).isTrue();
    assertThat(named.at("/config/hnsw_config/m").asInt()).isEqualTo(32);
    assertThat(named.at("/config/hnsw_config/ef_construct").asInt()).isEqualTo(100);
    assertThat(named.at("/config/params/shard_number").asInt()).isEqualTo(2);

    String exists = "/collections/{collection_name}/exists";
    assertThat(
            rest.call("GET", exists, "/collections/plain/exists", null)
                .result()
                .get("exists")
                .asBoolean())
        .isTrue();
    assertThat(
            rest.call("GET", exists, "/collections/nope/exists", null)
                .result()
                .get("exists")
                .asBoolean())
        .isFalse();

    // PATCH changes optimizer, HNSW and replication settings in place
    assertThat(
            rest.call(
                    "PATCH",
                    t,
                    "/collections/plain",
                    "{\"optimizers_config\":{\"indexing_threshold\":0},\"hnsw_config\":{\"ef_construct\":64},"
                        + "\"params\":{\"write_consistency_factor\":1}}")
                .result()
                .asBoolean())
        .isTrue();
    JsonNode patched = rest.call("GET", t, "/collections/plain", null).result();
    assertThat(patched.at("/config/optimizer_config/indexing_threshold").asInt()).isZero();
    assertThat(patched.at("/config/hnsw_config/ef_construct").asInt()).isEqualTo(64);
    var badPatch =
        rest.call(
            "PATCH", t, "/collections/plain", "{\"optimizers_config\":{\"deleted_threshold\":2}}");
    assertThat(badPatch.status()).isEqualTo(422);
    assertThat(rest.call("PATCH", t, "/collections/nope", "{\"optimizers_config\":{}}").status())
        .isEqualTo(404);
    // created with optimizer settings
    rest.call(
        "PUT",
        t,
        "/collections/bulk",
        "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"optimizers_config\":{\"indexing_threshold\":0}}");
    assertThat(
            rest.call("GET", t, "/collections/bulk", null)
                .result()
                .at("/config/optimizer_config/indexing_threshold")
                .asInt())
        .isZero();

    assertThat(rest.call("DELETE", t, "/collections/cos", null).result().asBoolean()).isTrue();
    assertThat(rest.call("DELETE", t, "/collections/cos", null).result().asBoolean()).isFalse();
    assertThat(
            rest.call("GET", exists, "/collections/cos/exists", null)
                .result()
                .get("exists")
                .asBoolean())
        .isFalse();
  }

  @Test
  void pointsSearchAndQuery() throws Exception {
    Rest rest = start();
    rest.call(
        "PUT",
        "/collections/{collection_name}",
        "/collections/c",
        "{\"vectors\":{\"size\":3,\"distance\":\"Cosine\"}}");
    String uuid = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26";
    var up =
        rest.call(
            "PUT",
            "/collections/{collection_name}/points",
            "/collections/c/points?wait=true",
            "{\"points\":[{\"id\":1,\"vector\":[1,0,0],\"payload\":{\"city\":\"Berlin\",\"n\":1,\"tags\":[\"a\",\"b\"],\"geo\":{\"lat\":52.5,\"lon\":13.4},\"none\":null}},"
                + "{\"id\":\""
                + uuid
                + "\",\"vector\":[0,1,0],\"payload\":{\"city\":\"London\"}},"
                + "{\"id\":18446744073709551615,\"vector\":[0,0,2]}]}");
    assertThat(up.result().get("status").asText()).isEqualTo("completed");
    var batch =
        rest.call(
            "PUT",
            "/collections/{collection_name}/points",
            "/collections/c/points?wait=false",
            "{\"batch\":{\"ids\":[10,11],\"vectors\":[[1,1,0],[0,1,1]],\"payloads\":[{\"b\":true},null]}}");
    assertThat(batch.result().get("status").asText()).isEqualTo("acknowledged");
    assertThat(batch.result().get("operation_id").asLong()).isEqualTo(2);

    var got =
        rest.call(
                "POST",
                "/collections/{collection_name}/points",
                "/collections/c/points",
                "{\"ids\":[\"" + uuid + "\",1,999],\"with_vector\":true}")
            .result();
    assertThat(got).hasSize(2);
    assertThat(got.get(0).get("id").asText()).isEqualTo(uuid);
    assertThat(got.get(1).at("/payload/geo/lat").asDouble()).isEqualTo(52.5);
    assertThat(got.get(1).at("/payload/tags/1").asText()).isEqualTo("b");
    assertThat(got.get(1).at("/payload/none").isNull()).isTrue();
    assertThat(got.get(1).get("vector").get(0).floatValue()).isEqualTo(1.0f);

    var one =
        rest.call(
                "GET",
                "/collections/{collection_name}/points/{id}",
                "/collections/c/points/18446744073709551615",
                null)
            .result();
    assertThat(one.get("id").asText()).isEqualTo("18446744073709551615");
    assertThat(one.get("vector").get(2).floatValue()).isEqualTo(1.0f); // normalised for Cosine
    var missing =
        rest.call(
            "GET", "/collections/{collection_name}/points/{id}", "/collections/c/points/7", null);
    assertThat(missing.status()).isEqualTo(404);

    var hits =
        rest.callListOf(
                "POST",
                "/collections/c/points/search",
                "{\"vector\":[0.9,0.1,0],\"limit\":2,\"with_payload\":[\"city\"]}",
                "ScoredPoint")
            .result();
    assertThat(hits).hasSize(2);
    assertThat(hits.get(0).get("id").asLong()).isEqualTo(1);
    assertThat(hits.get(0).get("payload").fieldNames()).toIterable().containsExactly("city");
    assertThat(hits.get(0).get("score").floatValue())
        .isGreaterThan(hits.get(1).get("score").floatValue());

    var q =
        rest.call(
                "POST",
                "/collections/{collection_name}/points/query",
                "/collections/c/points/query",
                "{\"query\":[0,1,0],\"limit\":10,\"score_threshold\":0.5,\"with_payload\":true,\"with_vector\":true}")
            .result()
            .get("points");
    assertThat(q.findValuesAsText("id")).containsExactlyInAnyOrder(uuid, "10", "11");
    assertThat(q.get(0).get("id").asText()).isEqualTo(uuid);
    var nearest =
        rest.call(
                "POST",
                "/collections/{collection_name}/points/query",
                "/collections/c/points/query",
                "{\"query\":{\"nearest\":[0,0,1]},\"limit\":1}")
            .result()
            .get("points");
    assertThat(nearest.get(0).get("id").asText()).isEqualTo("18446744073709551615");

    var filtered =
        rest.call(
                "POST",
                "/collections/{collection_name}/points/query",
                "/collections/c/points/query",
                "{\"query\":[0.9,0.1,0],\"limit\":10,\"with_payload\":true,"
                    + "\"filter\":{\"must\":[{\"key\":\"city\",\"match\":{\"value\":\"London\"}}]}}")
            .result()
            .get("points");
    assertThat(filtered.findValuesAsText("id")).containsExactly(uuid);
    var legacyFiltered =
        rest.callListOf(
                "POST",
                "/collections/c/points/search",
                "{\"vector\":[0.9,0.1,0],\"limit\":10,"
                    + "\"filter\":{\"must_not\":[{\"is_empty\":{\"key\":\"city\"}}],\"should\":[{\"key\":\"tags\",\"match\":{\"any\":[\"b\"]}}]}}",
                "ScoredPoint")
            .result();
    assertThat(legacyFiltered.findValuesAsText("id")).containsExactly("1");
    var page1 =
        rest.call(
                "POST",
                "/collections/{collection_name}/points/scroll",
                "/collections/c/points/scroll",
                "{\"limit\":2}")
            .result();
    assertThat(page1.get("points").findValuesAsText("id")).containsExactly("1", "10");
    var page2 =
        rest.call(
                "POST",
                "/collections/{collection_name}/points/scroll",
                "/collections/c/points/scroll",
                "{\"limit\":10,\"offset\":"
                    + page1.get("next_page_offset")
                    + ",\"with_payload\":false}")
            .result();
    assertThat(page2.get("points").findValuesAsText("id"))
        .containsExactly("11", "18446744073709551615", uuid);
    assertThat(page2.get("next_page_offset").isNull()).isTrue();
    var counted =
        rest.call(
                "POST",
                "/collections/{collection_name}/points/count",
                "/collections/c/points/count",
                "{\"filter\":{\"must\":[{\"is_empty\":{\"key\":\"city\"}}]},\"exact\":true}")
            .result();
    assertThat(counted.get("count").asLong()).isEqualTo(3);
    String pp = "/collections/{collection_name}/points/payload";
    rest.call(
        "POST",
        pp,
        "/collections/c/points/payload?wait=true",
        "{\"payload\":{\"k\":1},\"points\":[10,11]}");
    rest.call(
        "POST",
        pp,
        "/collections/c/points/payload?wait=true",
        "{\"payload\":{\"deep\":true},\"key\":\"meta\",\"filter\":{\"must\":[{\"key\":\"k\",\"match\":{\"value\":1}}]}}");
    rest.call(
        "PUT",
        pp,
        "/collections/c/points/payload?wait=true",
        "{\"payload\":{\"only\":\"this\"},\"points\":[11]}");
    rest.call(
        "POST",
        pp + "/delete",
        "/collections/c/points/payload/delete?wait=true",
        "{\"keys\":[\"b\"],\"points\":[10]}");
    var edited =
        rest.call(
                "POST",
                "/collections/{collection_name}/points",
                "/collections/c/points",
                "{\"ids\":[10,11]}")
            .result();
    assertThat(edited.get(0).get("payload").toString())
        .isEqualTo("{\"k\":1,\"meta\":{\"deep\":true}}");
    assertThat(edited.get(1).get("payload").toString()).isEqualTo("{\"only\":\"this\"}");
    rest.call(
        "POST",
        pp + "/clear",
        "/collections/c/points/payload/clear?wait=true",
        "{\"points\":[11]}");
    var byFilter =
        rest.call(
            "POST",
            "/collections/{collection_name}/points/delete",
            "/collections/c/points/delete?wait=true",
            "{\"filter\":{\"must\":[{\"key\":\"k\",\"match\":{\"value\":1}}]}}");
    assertThat(byFilter.result().get("status").asText()).isEqualTo("completed");
    assertThat(
            rest.call(
                    "POST",
                    "/collections/{collection_name}/points",
                    "/collections/c/points",
                    "{\"ids\":[10,11]}")
                .result()
                .findValuesAsText("id"))
        .containsExactly("11");
    var del =
        rest.call(
            "POST",
            "/collections/{collection_name}/points/delete",
            "/collections/c/points/delete?wait=true",
            "{\"points\":[1,\"" + uuid + "\"]}");
    assertThat(del.result().get("status").asText()).isEqualTo("completed");
    assertThat(
            rest.call("GET", "/collections/{collection_name}", "/collections/c", null)
                .result()
                .get("points_count")
                .asLong())
        .isEqualTo(2);
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
                    "{\"positive\":[1],\"strategy\":\"best_score\",\"limit\":1}")
                .status())
        .isEqualTo(400);
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

  @Test
  void errorsUseQdrantsCodesAndEnvelope() throws Exception {
    Rest rest = start();
    String t = "/collections/{collection_name}";
    rest.call("PUT", t, "/collections/c", "{\"vectors\":{\"size\":3,\"distance\":\"Dot\"}}");

    var nf = rest.call("GET", t, "/collections/nope", null);
    assertThat(nf.status()).isEqualTo(404);
    assertThat(nf.error()).isEqualTo("Not found: Collection `nope` doesn't exist!");
    assertThat(
            rest.call(
                    "POST",
                    "/collections/{collection_name}/points/query",
                    "/collections/nope/points/query",
                    "{\"query\":[1,2,3]}")
                .status())
        .isEqualTo(404);

    var dup =
        rest.call("PUT", t, "/collections/c", "{\"vectors\":{\"size\":3,\"distance\":\"Dot\"}}");
    assertThat(dup.status()).isEqualTo(409);
    assertThat(dup.error()).isEqualTo("Wrong input: Collection `c` already exists!");

    var dim =
        rest.call(
            "PUT",
            "/collections/{collection_name}/points",
            "/collections/c/points?wait=true",
            "{\"points\":[{\"id\":1,\"vector\":[1,2,3]},{\"id\":2,\"vector\":[1,2]}]}");
    assertThat(dim.status()).isEqualTo(400);
    assertThat(dim.error())
        .isEqualTo("Wrong input: Vector dimension error: expected dim: 3, got 2");
    assertThat(rest.call("GET", t, "/collections/c", null).result().get("points_count").asLong())
        .as("a rejected batch writes nothing")
        .isZero();
    var qdim =
        rest.call(
            "POST",
            "/collections/{collection_name}/points/query",
            "/collections/c/points/query",
            "{\"query\":[1,2]}");
    assertThat(qdim.status()).isEqualTo(400);

    var malformed =
        rest.call(
            "PUT",
            "/collections/{collection_name}/points",
            "/collections/c/points",
            "{\"points\": [");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.error()).startsWith("Format error in JSON body");
    var wrongType =
        rest.call(
            "PUT", t, "/collections/d", "{\"vectors\":{\"size\":\"four\",\"distance\":\"Dot\"}}");
    assertThat(wrongType.status()).isEqualTo(400);
    var badDistance =
        rest.call(
            "PUT", t, "/collections/d", "{\"vectors\":{\"size\":4,\"distance\":\"Hamming\"}}");
    assertThat(badDistance.status()).isEqualTo(400);
    assertThat(badDistance.error()).contains("Hamming");

    var zeroSize =
        rest.call("PUT", t, "/collections/d", "{\"vectors\":{\"size\":0,\"distance\":\"Dot\"}}");
    assertThat(zeroSize.status()).isEqualTo(422);
    assertThat(zeroSize.error()).startsWith("Validation error in JSON body: [vectors.size:");
    var zeroLimit =
        rest.call(
            "POST",
            "/collections/{collection_name}/points/query",
            "/collections/c/points/query",
            "{\"query\":[1,2,3],\"limit\":0}");
    assertThat(zeroLimit.status()).isEqualTo(422);
    var badName =
        rest.send("PUT", "/collections/a%2Fb", "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"}}");
    assertThat(badName.status()).isEqualTo(422);
    assertThat(badName.error()).startsWith("Validation error in path parameters");
    assertThat(rest.call("GET", "/collections", "/collections", null).result().get("collections"))
        .hasSize(1);

    var badWait = rest.send("PUT", "/collections/c/points?wait=maybe", "{\"points\":[]}");
    assertThat(badWait.status()).isEqualTo(400);
    assertThat(rest.send("GET", "/no/such/route", null).status()).isEqualTo(404);
    assertThat(rest.send("GET", "/healthz/../collections", null).status()).isEqualTo(404);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    start();
    try (var socket = new java.net.Socket("127.0.0.1", node.httpPort)) {
      socket.setSoTimeout(10_000);
      String body = "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}";
      String requests =
          "PUT /collections/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
              + body.length()
              + "\r\n\r\n"
              + body
              + "GET /collections/nope HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /collections/p/exists HTTP/1.1\r\nHost: x\r\n\r\n";
      socket.getOutputStream().write(requests.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
      java.util.List<String> statuses = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String status = in.readLine();
        statuses.add(status);
        int length = 0;
        for (String h; !(h = in.readLine()).isEmpty(); ) {
          if (h.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(h.substring(15).trim());
          }
        }
        char[] buf = new char[length];
        int read = 0;
        while (read < length) {
          read += in.read(buf, read, length - read);
        }
        if (i == 3) {
          assertThat(new String(buf)).contains("\"exists\":true");
        }
      }
      assertThat(statuses)
          .containsExactly(
              "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK");
    }
  }

  @Test
  void snapshotsAreCreatedListedDownloadedRecoveredAndDeleted() throws Exception {
    Rest rest = start();
    assertThat(
            rest.send("PUT", "/collections/snap", "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"}}")
                .status())
        .isEqualTo(200);
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 1; i <= 20; i++) {
      points
          .append(i == 1 ? "" : ",")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[1,")
          .append(i)
          .append(",0,0],\"payload\":{\"n\":")
          .append(i)
          .append("}}");
    }
    points.append("]}");
    assertThat(rest.send("PUT", "/collections/snap/points?wait=true", points + "").status())
        .isEqualTo(200);

    String t = "/collections/{collection_name}/snapshots";
    var created = rest.call("POST", t, "/collections/snap/snapshots", null);
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    String name = created.result().path("name").asText();
    String checksum = created.result().path("checksum").asText();
    assertThat(name).startsWith("snap-").endsWith(".snapshot");
    var listed = rest.call("GET", t, "/collections/snap/snapshots", null);
    assertThat(listed.result().findValuesAsText("name")).containsExactly(name);

    var file = rest.download("/collections/snap/snapshots/" + name);
    assertThat(file.status()).isEqualTo(200);
    assertThat(file.contentType()).isEqualTo("application/octet-stream");
    assertThat((long) file.body().length).isEqualTo(created.result().path("size").asLong());
    assertThat(
            java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(file.body())))
        .isEqualTo(checksum);

    // written after the snapshot: the recovered copy must not have it
    assertThat(
            rest.send(
                    "PUT",
                    "/collections/snap/points?wait=true",
                    "{\"points\":[{\"id\":99,\"vector\":[1,1,1,1]}]}")
                .status())
        .isEqualTo(200);
    String location = work.resolve("snapshots/snap/" + name).toUri().toString();
    String recover = "/collections/{collection_name}/snapshots/recover";
    var wrongSum =
        rest.send(
            "PUT",
            "/collections/restored/snapshots/recover",
            "{\"location\":\"" + location + "\",\"checksum\":\"" + "0".repeat(64) + "\"}");
    assertThat(wrongSum.status()).isEqualTo(400);
    assertThat(wrongSum.error()).contains("Checksum mismatch");
    var outside =
        rest.send(
            "PUT",
            "/collections/restored/snapshots/recover",
            "{\"location\":\"" + work.resolve("storage/registry.state").toUri() + "\"}");
    assertThat(outside.status()).isEqualTo(400);
    assertThat(outside.error()).contains("inside the snapshots directory");
    var recovered =
        rest.call(
            "PUT",
            recover,
            "/collections/restored/snapshots/recover",
            "{\"location\":\"" + location + "\",\"checksum\":\"" + checksum + "\"}");
    assertThat(recovered.status()).as(recovered.body()).isEqualTo(200);
    assertThat(
            rest.send("POST", "/collections/restored/points/count", "{}")
                .result()
                .path("count")
                .asInt())
        .isEqualTo(20);
    var point = rest.send("GET", "/collections/restored/points/7", null);
    assertThat(point.result().path("payload").path("n").asInt()).isEqualTo(7);

    // an uploaded snapshot (multipart) recovers a collection too; a wrong checksum is refused
    var badUpload =
        rest.upload(
            "/collections/uploaded/snapshots/upload?checksum=" + "0".repeat(64),
            "snapshot",
            file.body());
    assertThat(badUpload.status()).isEqualTo(400);
    assertThat(rest.upload("/collections/uploaded/snapshots/upload", "other", file.body()).status())
        .isEqualTo(400);
    var uploaded =
        rest.upload(
            "/collections/uploaded/snapshots/upload?checksum=" + checksum, "snapshot", file.body());
    assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(200);
    assertThat(uploaded.result().asBoolean()).isTrue();
    assertThat(
            rest.send("POST", "/collections/uploaded/points/count", "{}")
                .result()
                .path("count")
                .asInt())
        .isEqualTo(20);

    // shard snapshots: create, list, download, recover (file:// and upload), delete
    String st = "/collections/{collection_name}/shards/{shard_id}/snapshots";
    var shardSnap = rest.call("POST", st, "/collections/snap/shards/0/snapshots", null);
    assertThat(shardSnap.status()).as(shardSnap.body()).isEqualTo(200);
    String shardName = shardSnap.result().path("name").asText();
    assertThat(rest.call("GET", st, "/collections/snap/shards/0/snapshots", null).result())
        .extracting(n -> n.path("name").asText())
        .containsExactly(shardName);
    var shardFile = rest.download("/collections/snap/shards/0/snapshots/" + shardName);
    assertThat(shardFile.status()).isEqualTo(200);
    assertThat(rest.call("POST", st, "/collections/snap/shards/7/snapshots", null).status())
        .isEqualTo(404);
    rest.send(
        "PUT",
        "/collections/snap/points?wait=true",
        "{\"points\":[{\"id\":500,\"vector\":[1,1,1,1]}]}");
    int before =
        rest.send("POST", "/collections/snap/points/count", "{}").result().path("count").asInt();
    var shardRecovered =
        rest.call(
            "PUT",
            st + "/recover",
            "/collections/snap/shards/0/snapshots/recover",
            "{\"location\":\""
                + work.resolve("snapshots/snap/shards/0/" + shardName).toUri()
                + "\"}");
    assertThat(shardRecovered.status()).as(shardRecovered.body()).isEqualTo(200);
    int after =
        rest.send("POST", "/collections/snap/points/count", "{}").result().path("count").asInt();
    assertThat(after).isEqualTo(before - 1); // point 500 came after the shard snapshot
    rest.send(
        "PUT",
        "/collections/snap/points?wait=true",
        "{\"points\":[{\"id\":501,\"vector\":[1,1,1,1]}]}");
    var shardUploaded =
        rest.upload("/collections/snap/shards/0/snapshots/upload", "snapshot", shardFile.body());
    assertThat(shardUploaded.status()).as(shardUploaded.body()).isEqualTo(200);
    assertThat(
            rest.send("POST", "/collections/snap/points/count", "{}")
                .result()
                .path("count")
                .asInt())
        .isEqualTo(after);
    assertThat(
            rest.upload(
                    "/collections/snap/shards/0/snapshots/upload", "snapshot", new byte[] {1, 2})
                .status())
        .isEqualTo(400);
    // a refused archive leaves the shard as it was
    assertThat(
            rest.send("POST", "/collections/snap/points/count", "{}")
                .result()
                .path("count")
                .asInt())
        .isEqualTo(after);
    assertThat(
            rest.call(
                    "DELETE",
                    st + "/{snapshot_name}",
                    "/collections/snap/shards/0/snapshots/" + shardName,
                    null)
                .status())
        .isEqualTo(200);

    var deleted =
        rest.call("DELETE", t + "/{snapshot_name}", "/collections/snap/snapshots/" + name, null);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(rest.call("GET", t, "/collections/snap/snapshots", null).result()).isEmpty();
    assertThat(rest.download("/collections/snap/snapshots/" + name).status()).isEqualTo(404);
    assertThat(rest.send("POST", "/collections/missing/snapshots", null).status()).isEqualTo(404);

    var full = rest.call("POST", "/snapshots", "/snapshots", null);
    assertThat(full.status()).isEqualTo(200);
    String fullName = full.result().path("name").asText();
    assertThat(rest.call("GET", "/snapshots", "/snapshots", null).result().findValuesAsText("name"))
        .containsExactly(fullName);
    assertThat(rest.download("/snapshots/" + fullName).body().length)
        .isEqualTo(full.result().path("size").asInt());
    assertThat(
            rest.call("DELETE", "/snapshots/{snapshot_name}", "/snapshots/" + fullName, null)
                .status())
        .isEqualTo(200);
  }
}
