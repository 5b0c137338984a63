package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The REST slice against the packaged server, every answer validated against Qdrant's OpenAPI. */
class SingleNodeIT extends SingleNodeFixture {

  private Rest start() throws Exception {
    // snapshot recovery from a URL is tested against a server on 127.0.0.1: allow loopback
    node =
        new QuiverProcess(
                work, Map.of("QDRANT__SERVICE__SNAPSHOT_URL_RECOVERY_ALLOW_PRIVATE", "true"))
            .start();
    return new Rest(node.httpPort, openApi);
  }

  @Test
  void serviceEndpoints() throws Exception {
    Rest rest = start();
    var root = rest.call("GET", "/", "/", null);
    assertThat(root.json().get("title").asText()).isEqualTo("qdrant - vector search engine");
    assertThat(root.json().get("version").asText()).matches("\\d+\\.\\d+\\.\\d+");
    // the commit the package was built from (the tests run in a checkout)
    assertThat(root.json().get("commit").asText()).matches("[0-9a-f]{40}");
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
    // cluster metadata needs a cluster; an operation Quiver does not serve is a 400, not a 5xx
    var metadata = rest.send("GET", "/cluster/metadata/keys", null);
    assertThat(metadata.status()).isEqualTo(400);
    assertThat(metadata.body()).contains("Distributed mode disabled");
    var unserved = rest.send("GET", "/stacktrace", null);
    assertThat(unserved.status()).isEqualTo(400);
    assertThat(unserved.body()).contains("get_stacktrace is not supported by Quiver");
    rest.send("GET", "/collections/nope", null); // a 404: counted, failed, not timed
    rest.send("BREW", "/coffee", null); // a method of the client's own: one label for all of them
    try (QdrantClient grpc =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", node.grpcPort, false, false).build())) {
      assertThat(grpc.listCollectionsAsync().get()).containsExactly("m");
      assertThat(catchThrowable(() -> grpc.getCollectionInfoAsync("nope").get()))
          .isInstanceOf(ExecutionException.class);
    }
    // Qdrant's metric names and labels, as its dashboards and alerts read them
    var metrics = rest.send("GET", "/metrics", null);
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.contentType()).startsWith("text/plain");
    assertThat(metrics.body())
        .contains("app_info{name=\"qdrant\",version=\"")
        .contains("\napp_status_recovery_mode 0\n")
        .contains("\ncollections_total 1\n")
        .contains("\ncollections_vector_total 2\n")
        .contains("\ncollection_points{id=\"m\"} 2\n")
        .contains("\ncluster_enabled 0\n")
        .contains(
            "rest_responses_total{method=\"PUT\",endpoint=\"/collections/{name}/points\","
                + "status=\"200\"} 1\n")
        .contains(
            "rest_responses_fail_total{method=\"GET\",endpoint=\"/collections/{name}\","
                + "status=\"404\"} 1\n")
        .contains(
            "rest_responses_avg_duration_seconds{method=\"PUT\","
                + "endpoint=\"/collections/{name}/points\",status=\"200\"} ")
        .contains(
            "rest_responses_duration_seconds_count{method=\"PUT\","
                + "endpoint=\"/collections/{name}/points\"} 1\n")
        .contains("rest_responses_duration_seconds_bucket{method=\"GET\",endpoint=\"/healthz\"")
        .contains("grpc_responses_total{endpoint=\"/qdrant.Collections/List\"} 1\n")
        .contains("grpc_responses_fail_total{endpoint=\"/qdrant.Collections/Get\"} 1\n")
        .contains(
            "grpc_responses_duration_seconds_count{endpoint=\"/qdrant.Collections/List\"} 1\n")
        .doesNotContain(
            "rest_responses_avg_duration_seconds{method=\"GET\",endpoint=\"/collections/{name}\"")
        .contains("rest_responses_total{method=\"OTHER\",endpoint=\"unknown\",status=\"404\"} 1\n")
        .doesNotContain("BREW")
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

    // recovery from an http:// URL: served here on 127.0.0.1, the api_key sent as its header
    var served =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    java.util.List<String> keysSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
    served.createContext(
        "/",
        ex -> {
          keysSeen.add(String.valueOf(ex.getRequestHeaders().getFirst("api-key")));
          byte[] body = ex.getRequestURI().getPath().equals("/snap.snapshot") ? file.body() : null;
          ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
          if (body != null) {
            ex.getResponseBody().write(body);
          }
          ex.close();
        });
    served.start();
    try {
      String url = "http://127.0.0.1:" + served.getAddress().getPort();
      var fromUrl =
          rest.call(
              "PUT",
              recover,
              "/collections/from_url/snapshots/recover",
              "{\"location\":\""
                  + url
                  + "/snap.snapshot\",\"checksum\":\""
                  + checksum
                  + "\",\"api_key\":\"remote-key\"}");
      assertThat(fromUrl.status()).as(fromUrl.body()).isEqualTo(200);
      assertThat(keysSeen).containsExactly("remote-key");
      assertThat(
              rest.send("POST", "/collections/from_url/points/count", "{}")
                  .result()
                  .path("count")
                  .asInt())
          .isEqualTo(20);
      var missing =
          rest.send(
              "PUT",
              "/collections/from_url2/snapshots/recover",
              "{\"location\":\"" + url + "/nothing.snapshot\"}");
      assertThat(missing.status()).isEqualTo(400);
      assertThat(missing.error()).contains("HTTP 404");
      assertThat(rest.send("GET", "/collections/from_url2", null).status()).isEqualTo(404);
      // the downloads are not left behind in the snapshots directory
      try (var left = java.nio.file.Files.walk(work.resolve("snapshots"))) {
        assertThat(left.filter(f -> f.getFileName().toString().startsWith(".download-"))).isEmpty();
      }
    } finally {
      served.stop(0);
    }

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
    // a streamed shard snapshot: made for the download, not listed, not left on disk
    var streamed = rest.download("/collections/snap/shards/0/snapshot");
    assertThat(streamed.status()).isEqualTo(200);
    assertThat(streamed.contentType()).isEqualTo("application/octet-stream");
    assertThat(streamed.body().length).isGreaterThan(0);
    assertThat(rest.call("GET", st, "/collections/snap/shards/0/snapshots", null).result())
        .hasSize(1);
    // deleted once the last chunk is flushed, which may be just after the client has it all
    long leftovers = -1;
    for (int i = 0; i < 50 && leftovers != 0; i++) {
      try (var left = java.nio.file.Files.walk(work.resolve("snapshots"))) {
        leftovers = left.filter(f -> f.getFileName().toString().startsWith(".stream-")).count();
      }
      if (leftovers != 0) {
        Thread.sleep(100);
      }
    }
    assertThat(leftovers).isZero();
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
        rest.upload("/collections/snap/shards/0/snapshots/upload", "snapshot", streamed.body());
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
