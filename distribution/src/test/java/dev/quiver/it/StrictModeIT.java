package dev.quiver.it;

import static io.qdrant.client.QueryFactory.nearest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.StrictModeConfig;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Points.QueryPoints;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Strict mode as Qdrant keeps and enforces it: stored at creation, merged by {@code PATCH}, shown
 * in the config; while enabled, each setting is driven over its limit and answers 400 naming it
 * (Qdrant's message and help), and the same request passes at the limit and once strict mode is
 * disabled. REST answers are checked against the OpenAPI document; the Java client sets and reads
 * the settings over gRPC.
 */
class StrictModeIT extends SingleNodeFixture {
  private Rest rest;

  private void strict(String settings) throws Exception {
    rest.call("PATCH", C, "/collections/s", "{\"strict_mode_config\":" + settings + "}");
  }

  /**
   * {@code body} passes, then fails with 400 naming {@code fragment} once {@code settings} apply.
   */
  private void overLimit(String method, String path, String body, String settings, String fragment)
      throws Exception {
    strict("{\"enabled\":false}");
    var ok = rest.send(method, path, body);
    assertThat(ok.status())
        .as("%s %s without strict mode: %s", method, path, ok.body())
        .isEqualTo(200);
    strict(settings.replace("{", "{\"enabled\":true,"));
    var refused = rest.send(method, path, body);
    assertThat(refused.status())
        .as("%s with %s: %s", path, settings, refused.body())
        .isEqualTo(400);
    assertThat(refused.error()).as(settings).contains(fragment);
  }

  @Test
  void everySettingIsStoredMergedAndEnforced() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        C,
        "/collections/s",
        "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},"
            + "\"strict_mode_config\":{\"enabled\":false,\"max_query_limit\":100}}");
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 1; i <= 8; i++) {
      points
          .append(i > 1 ? "," : "")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[")
          .append(i)
          .append(",1,0,0],\"payload\":{\"city\":\"")
          .append(i % 2 == 0 ? "Berlin" : "Oslo")
          .append("\",\"n\":")
          .append(i)
          .append("}}");
    }
    rest.call("PUT", C + "/points", "/collections/s/points?wait=true", points + "]}");

    // stored, merged field by field, shown
    strict("{\"enabled\":true,\"search_max_oversampling\":1.5}");
    strict("{\"max_query_limit\":10}");
    JsonNode config =
        rest.call("GET", C, "/collections/s", null).result().at("/config/strict_mode_config");
    assertThat(config.get("enabled").asBoolean()).isTrue();
    assertThat(config.get("max_query_limit").asInt()).isEqualTo(10);
    assertThat(config.get("search_max_oversampling").asDouble()).isEqualTo(1.5);

    String search = "/collections/s/points/search";
    overLimit(
        "POST",
        search,
        "{\"vector\":[1,0,0,0],\"limit\":4}",
        "{\"max_query_limit\":3}",
        "Limit exceeded 4 > 3 for \"limit\"");
    overLimit(
        "POST",
        "/collections/s/points/query",
        "{\"prefetch\":{\"query\":[1,0,0,0],\"limit\":20},\"query\":[0,1,0,0],\"limit\":2}",
        "{\"max_query_limit\":10}",
        "Limit exceeded 20 > 10");
    overLimit(
        "POST",
        "/collections/s/points/scroll",
        "{\"limit\":5}",
        "{\"max_query_limit\":4}",
        "\"limit\"");
    overLimit(
        "POST",
        search + "?timeout=3",
        "{\"vector\":[1,0,0,0],\"limit\":3}",
        "{\"max_timeout\":2}",
        "\"timeout\"");
    overLimit(
        "POST",
        search,
        "{\"vector\":[1,0,0,0],\"limit\":3,\"params\":{\"hnsw_ef\":5}}",
        "{\"search_max_hnsw_ef\":4}",
        "\"hnsw_ef\"");
    overLimit(
        "POST",
        search,
        "{\"vector\":[1,0,0,0],\"limit\":3,\"params\":{\"exact\":true}}",
        "{\"search_allow_exact\":false}",
        "Exact search disabled");
    overLimit(
        "POST",
        search,
        "{\"vector\":[1,0,0,0],\"limit\":3,\"params\":{\"quantization\":{\"oversampling\":3}}}",
        "{\"search_max_oversampling\":2.5}",
        "\"oversampling\"");
    String byCity = "{\"filter\":{\"must\":[{\"key\":\"city\",\"match\":{\"value\":\"Berlin\"}}]}";
    overLimit(
        "POST",
        "/collections/s/points/count",
        byCity + "}",
        "{\"unindexed_filtering_retrieve\":false}",
        "Index required but not found for \"city\" of one of the following types: [keyword, uuid]."
            + " Help: Create an index for this key or use a different filter.");
    overLimit(
        "POST",
        "/collections/s/points/payload?wait=true",
        "{\"payload\":{\"x\":1}," + byCity.substring(1) + "}",
        "{\"unindexed_filtering_update\":false}",
        "Index required but not found for \"city\"");
    overLimit(
        "POST",
        "/collections/s/points/count",
        "{\"filter\":{\"should\":[{\"key\":\"n\",\"match\":{\"value\":1}},{\"key\":\"n\",\"match\":{\"value\":2}},{\"key\":\"n\",\"match\":{\"value\":3}}]}}",
        "{\"filter_max_conditions\":2}",
        "\"filter conditions\"");
    overLimit(
        "POST",
        "/collections/s/points/count",
        "{\"filter\":{\"must\":[{\"key\":\"n\",\"match\":{\"any\":[1,2,3]}}]}}",
        "{\"condition_max_size\":2}",
        "Limit exceeded 3 > 2");
    overLimit(
        "POST",
        search + "/batch",
        "{\"searches\":[{\"vector\":[1,0,0,0],\"limit\":1},{\"vector\":[1,0,0,0],\"limit\":1},{\"vector\":[1,0,0,0],\"limit\":1}]}",
        "{\"search_max_batchsize\":2}",
        "\"search batch size\"");
    overLimit(
        "PUT",
        "/collections/s/points?wait=true",
        "{\"batch\":{\"ids\":[1,2,3],\"vectors\":[[1,1,0,0],[2,1,0,0],[3,1,0,0]]}}",
        "{\"upsert_max_batchsize\":2}",
        "\"upsert limit\"");
    overLimit(
        "PUT",
        "/collections/s/points/vectors?wait=true",
        "{\"points\":[{\"id\":1,\"vector\":[1,1,0,0]},{\"id\":2,\"vector\":[2,1,0,0]}]}",
        "{\"upsert_max_batchsize\":1}",
        "\"update limit\"");
    overLimit(
        "PUT",
        "/collections/s/points?wait=true",
        "{\"points\":[{\"id\":9,\"vector\":[9,1,0,0]}]}",
        "{\"max_points_count\":8}",
        "Max points count limit of 8 reached");
    // one index (city, made while strict mode was off) is the most there may be
    strict("{\"enabled\":false}");
    rest.call(
        "PUT",
        C + "/index",
        "/collections/s/index?wait=true",
        "{\"field_name\":\"city\",\"field_schema\":\"keyword\"}");
    strict("{\"enabled\":true,\"max_payload_index_count\":1}");
    rest.refused(
        "PUT",
        "/collections/s/index?wait=true",
        "{\"field_name\":\"n\",\"field_schema\":\"integer\"}",
        400,
        "Limit exceeded 2 > 1 for \"payload index count\"");
    // with the index the unindexed filter passes
    strict(
        "{\"enabled\":true,\"unindexed_filtering_retrieve\":false,\"max_payload_index_count\":5}");
    rest.call(
        "PUT",
        C + "/index",
        "/collections/s/index?wait=true",
        "{\"field_name\":\"city\",\"field_schema\":\"keyword\"}");
    assertThat(rest.send("POST", "/collections/s/points/count", byCity + "}").status())
        .isEqualTo(200);

    // sparse and multivector sizes, per vector name
    rest.call(
        "PUT",
        C,
        "/collections/v",
        "{\"vectors\":{\"m\":{\"size\":2,\"distance\":\"Dot\",\"multivector_config\":{\"comparator\":\"max_sim\"}}},"
            + "\"sparse_vectors\":{\"t\":{}},\"strict_mode_config\":{\"enabled\":true,"
            + "\"sparse_config\":{\"t\":{\"max_length\":2}},\"multivector_config\":{\"m\":{\"max_vectors\":2}}}}");
    rest.refused(
        "PUT",
        "/collections/v/points?wait=true",
        "{\"points\":[{\"id\":1,\"vector\":{\"m\":[[1,0]],\"t\":{\"indices\":[1,2,3],\"values\":[1,1,1]}}}]}",
        400,
        "sparse vector length of `t`");
    rest.refused(
        "PUT",
        "/collections/v/points?wait=true",
        "{\"points\":[{\"id\":1,\"vector\":{\"m\":[[1,0],[0,1],[1,1]]}}]}",
        400,
        "multivector size of `m`");

    // vector storage: 8 points of 4 float32 components are 128 bytes; an upsert counts as more
    // points, so one more point estimates 144 bytes, over 140
    strict("{\"enabled\":false,\"max_points_count\":1000}");
    overLimit(
        "PUT",
        "/collections/s/points?wait=true",
        "{\"points\":[{\"id\":8,\"vector\":[8,1,0,0]}]}",
        "{\"max_collection_vector_size_bytes\":140}",
        "Max vector storage size limit of 140 bytes reached");
    // rate limits per minute on this node: 429 once the bucket is empty (a write costs its points)
    strict("{\"enabled\":true,\"max_collection_vector_size_bytes\":1000000,\"read_rate_limit\":2}");
    for (int i = 0; i < 2; i++) {
      assertThat(rest.send("POST", "/collections/s/points/count", "{}").status()).isEqualTo(200);
    }
    var reads = rest.send("POST", "/collections/s/points/count", "{}");
    assertThat(reads.status()).isEqualTo(429);
    assertThat(reads.error())
        .isEqualTo("Rate limiting exceeded: Read rate limit exceeded, retry later");
    strict("{\"read_rate_limit\":1000,\"write_rate_limit\":2}");
    rest.refused(
        "PUT",
        "/collections/s/points?wait=true",
        "{\"points\":[{\"id\":1,\"vector\":[1,1,0,0]},{\"id\":2,\"vector\":[2,1,0,0]},"
            + "{\"id\":3,\"vector\":[3,1,0,0]}]}",
        429,
        "Write rate limit exceeded");

    // payload storage, as Qdrant checks it: a write that may add payload is refused while the
    // payloads held are at the limit (50 bytes: Qdrant's megabytes as a 32-bit float)
    strict("{\"write_rate_limit\":1000000}");
    String payload = "{\"payload\":{\"note\":\"" + "x".repeat(100) + "\"},\"points\":[1]}";
    overLimit(
        "POST",
        "/collections/s/points/payload?wait=true",
        payload,
        "{\"max_collection_payload_size_bytes\":50}",
        "Max payload storage size limit of 0.000047683716MB reached!");
    rest.refused(
        "PUT",
        "/collections/s/points?wait=true",
        "{\"points\":[{\"id\":9,\"vector\":[9,1,0,0]}]}",
        400,
        "Max payload storage size limit");
    // removing payload passes at the limit, and so does a write under a higher one
    assertThat(
            rest.send("POST", "/collections/s/points/payload/clear?wait=true", "{\"points\":[1]}")
                .status())
        .isEqualTo(200);
    strict("{\"max_collection_payload_size_bytes\":1000000}");
    assertThat(rest.send("POST", "/collections/s/points/payload?wait=true", payload).status())
        .isEqualTo(200);

    // what is not enforced is refused by name, and bad values are validation errors
    rest.refused(
        "PATCH",
        "/collections/s",
        "{\"strict_mode_config\":{\"max_resident_memory_percent\":10}}",
        400,
        "strict_mode_config.max_resident_memory_percent");
    assertThat(
            rest.send("PATCH", "/collections/s", "{\"strict_mode_config\":{\"max_query_limit\":0}}")
                .status())
        .isEqualTo(422);

    // over gRPC: the settings set and read by the Java client, a violation is INVALID_ARGUMENT
    try (QdrantClient client =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", node.grpcPort, false, true).build())) {
      client
          .createCollectionAsync(
              CreateCollection.newBuilder()
                  .setCollectionName("g")
                  .setVectorsConfig(
                      VectorsConfig.newBuilder()
                          .setParams(
                              VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot)))
                  .setStrictModeConfig(
                      StrictModeConfig.newBuilder()
                          .setEnabled(true)
                          .setMaxQueryLimit(5)
                          .setSearchAllowExact(false))
                  .build())
          .get();
      var shown = client.getCollectionInfoAsync("g").get().getConfig().getStrictModeConfig();
      assertThat(shown.getEnabled()).isTrue();
      assertThat(shown.getMaxQueryLimit()).isEqualTo(5);
      assertThat(shown.getSearchAllowExact()).isFalse();
      Throwable failed =
          catchThrowable(
              () ->
                  client
                      .queryAsync(
                          QueryPoints.newBuilder()
                              .setCollectionName("g")
                              .setQuery(nearest(1f, 0f))
                              .setLimit(6)
                              .build())
                      .get());
      assertThat(failed).isInstanceOf(ExecutionException.class);
      StatusRuntimeException s = (StatusRuntimeException) failed.getCause();
      assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getStatus().getDescription()).contains("Limit exceeded 6 > 5 for \"limit\"");
    }
  }
}
