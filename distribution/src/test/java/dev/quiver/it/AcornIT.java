package dev.quiver.it;

import static io.qdrant.client.QueryFactory.nearest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Common;
import io.qdrant.client.grpc.Points;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Qdrant's {@code params.acorn} as users send it: over REST and through the official gRPC client, a
 * filtered search over the graph with ACORN enabled returns only matches and the same top ten as an
 * exact search here; {@code max_selectivity} outside 0 to 1 is a validation error (422 / {@code
 * INVALID_ARGUMENT}) naming it, an unknown field of {@code acorn} a 400 naming it. Every REST
 * answer is checked against the OpenAPI document.
 */
class AcornIT extends SingleNodeFixture {
  private static final int DIM = 16;
  private static final int POINTS = 2000;

  @Test
  void acornOverRestAndGrpc() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    // a small full-scan threshold, so a filter passing a fifth of the points walks the graph
    rest.call(
        "PUT",
        C,
        "/collections/a",
        "{\"vectors\":{\"size\":"
            + DIM
            + ",\"distance\":\"Cosine\"},\"hnsw_config\":{\"full_scan_threshold\":10},"
            + "\"optimizers_config\":{\"indexing_threshold\":10}}");
    createIndex(rest, "a", "colour", "\"keyword\"");
    Random random = new Random(11);
    StringBuilder body = new StringBuilder("{\"points\":[");
    for (int i = 0; i < POINTS; i++) {
      body.append(i > 0 ? "," : "").append("{\"id\":").append(i).append(",\"vector\":");
      body.append(gaussianVector(random, DIM));
      body.append(",\"payload\":{\"colour\":\"").append(i % 5 == 0 ? "red" : "blue").append("\"}}");
    }
    rest.call(
        "PUT", C + "/points", "/collections/a/points?wait=true", body.append("]}").toString());
    awaitGreen(rest, "a");

    String red = "{\"must\":[{\"key\":\"colour\",\"match\":{\"value\":\"red\"}}]}";
    for (int q = 0; q < 5; q++) {
      String query = gaussianVector(random, DIM);
      List<Long> exact = ids(search(rest, query, red, "{\"exact\":true}"));
      List<Long> acorn =
          ids(search(rest, query, red, "{\"hnsw_ef\":64,\"acorn\":{\"enable\":true}}"));
      List<Long> always =
          ids(
              search(
                  rest,
                  query,
                  red,
                  "{\"hnsw_ef\":64,\"acorn\":{\"enable\":true,\"max_selectivity\":1.0}}"));
      assertThat(acorn).allMatch(id -> id % 5 == 0).hasSize(10);
      assertThat(always).allMatch(id -> id % 5 == 0).hasSize(10);
      assertThat(acorn.stream().filter(exact::contains).count()).isGreaterThanOrEqualTo(9);
      assertThat(always.stream().filter(exact::contains).count()).isGreaterThanOrEqualTo(9);
    }
    // disabled, with a bound: accepted (the bound is still checked)
    assertThat(
            search(
                    rest,
                    gaussianVector(random, DIM),
                    red,
                    "{\"acorn\":{\"enable\":false,\"max_selectivity\":0.1}}")
                .size())
        .isEqualTo(10);

    Rest.Answer tooHigh =
        rest.call(
            "POST",
            C + "/points/query",
            "/collections/a/points/query",
            "{\"query\":"
                + gaussianVector(random, DIM)
                + ",\"limit\":3,\"params\":{\"acorn\":{\"enable\":true,\"max_selectivity\":1.5}}}");
    assertThat(tooHigh.status()).isEqualTo(422);
    assertThat(tooHigh.error()).contains("params.acorn.max_selectivity");
    Rest.Answer unknown =
        rest.call(
            "POST",
            C + "/points/query",
            "/collections/a/points/query",
            "{\"query\":"
                + gaussianVector(random, DIM)
                + ",\"limit\":3,\"params\":{\"acorn\":{\"enable\":true,\"hops\":3}}}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.error()).contains("params.acorn.hops");

    try (QdrantClient client =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", node.grpcPort, false, true).build())) {
      String query = gaussianVector(random, DIM);
      List<Long> exact = ids(search(rest, query, red, "{\"exact\":true}"));
      Common.Filter filter =
          Common.Filter.newBuilder()
              .addMust(
                  Common.Condition.newBuilder()
                      .setField(
                          Common.FieldCondition.newBuilder()
                              .setKey("colour")
                              .setMatch(Common.Match.newBuilder().setKeyword("red"))))
              .build();
      var found =
          client
              .queryAsync(
                  Points.QueryPoints.newBuilder()
                      .setCollectionName("a")
                      .setQuery(nearest(floats(query)))
                      .setFilter(filter)
                      .setLimit(10)
                      .setParams(
                          Points.SearchParams.newBuilder()
                              .setHnswEf(64)
                              .setAcorn(
                                  Points.AcornSearchParams.newBuilder()
                                      .setEnable(true)
                                      .setMaxSelectivity(0.5)))
                      .build())
              .get();
      assertThat(found).hasSize(10);
      assertThat(found.stream().map(p -> p.getId().getNum()).filter(exact::contains).count())
          .isGreaterThanOrEqualTo(9);
      var refused =
          client.queryAsync(
              Points.QueryPoints.newBuilder()
                  .setCollectionName("a")
                  .setQuery(nearest(floats(query)))
                  .setLimit(3)
                  .setParams(
                      Points.SearchParams.newBuilder()
                          .setAcorn(
                              Points.AcornSearchParams.newBuilder()
                                  .setEnable(true)
                                  .setMaxSelectivity(-0.5)))
                  .build());
      assertThat(catchThrowable(refused::get).getCause().getMessage())
          .contains("INVALID_ARGUMENT")
          .contains("params.acorn.max_selectivity");
    }
  }

  private static JsonNode search(Rest rest, String query, String filter, String params)
      throws Exception {
    return rest.call(
            "POST",
            C + "/points/query",
            "/collections/a/points/query",
            "{\"query\":"
                + query
                + ",\"filter\":"
                + filter
                + ",\"limit\":10,\"params\":"
                + params
                + "}")
        .result()
        .get("points");
  }
}
