package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multivectors over REST as late-interaction (ColBERT) users send them: a dense vector for the
 * first stage and a multivector with {@code max_sim} for reranking, points with lists of vectors,
 * reads, a query by a multivector, the reranking pattern (a dense prefetch, then the multivector
 * query among its results), Qdrant's errors, and the data across a restart. Every answer is checked
 * against the OpenAPI document.
 */
class MultiVectorsIT {
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

  private static final String C = "/collections/{collection_name}";

  private static List<Long> ids(JsonNode points) {
    List<Long> out = new ArrayList<>();
    points.forEach(p -> out.add(p.get("id").asLong()));
    return out;
  }

  @Test
  void lateInteractionReranking() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        C,
        "/collections/m",
        "{\"vectors\":{\"dense\":{\"size\":2,\"distance\":\"Dot\"},\"colbert\":{\"size\":3,"
            + "\"distance\":\"Dot\",\"multivector_config\":{\"comparator\":\"max_sim\"}}}}");
    JsonNode params = rest.call("GET", C, "/collections/m", null).result().at("/config/params");
    assertThat(params.at("/vectors/colbert/multivector_config/comparator").asText())
        .isEqualTo("max_sim");
    // point i: dense [1, i]; colbert rows [i, 0, 0] and [0, 1, 0]
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 1; i <= 10; i++) {
      points
          .append(i > 1 ? "," : "")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":{\"dense\":[1,")
          .append(i)
          .append("],\"colbert\":[[")
          .append(i)
          .append(",0,0],[0,1,0]]}}");
    }
    points.append("]}");
    rest.call("PUT", C + "/points", "/collections/m/points?wait=true", points.toString());
    JsonNode p3 = rest.call("GET", C + "/points/{id}", "/collections/m/points/3", null).result();
    assertThat(p3.at("/vector/colbert").toString()).isEqualTo("[[3.0,0.0,0.0],[0.0,1.0,0.0]]");

    // MaxSim of [[1,0,0],[0,0,1]]: i + 0, the best row of each query row summed
    JsonNode q =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/m/points/query",
                "{\"query\":[[1,0,0],[0,0,1]],\"using\":\"colbert\",\"limit\":3}")
            .result()
            .get("points");
    assertThat(ids(q)).containsExactly(10L, 9L, 8L);
    assertThat(q.get(0).get("score").floatValue()).isEqualTo(10f);

    // reranking: a dense prefetch of the first five by [-1, -1]... then MaxSim among them
    JsonNode reranked =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/m/points/query",
                "{\"prefetch\":{\"query\":[1,-1],\"using\":\"dense\",\"limit\":5},"
                    + "\"query\":[[1,0,0],[0,1,0]],\"using\":\"colbert\",\"limit\":2}")
            .result()
            .get("points");
    // the prefetch keeps 1..5 (smallest i); among them MaxSim prefers the largest i
    assertThat(ids(reranked)).containsExactly(5L, 4L);
    assertThat(reranked.get(0).get("score").floatValue()).isEqualTo(6f);

    // a multivector for a single vector, and the other way round: 400
    assertThat(
            rest.call(
                    "PUT",
                    C + "/points",
                    "/collections/m/points",
                    "{\"points\":[{\"id\":1,\"vector\":{\"dense\":[[1,0]],\"colbert\":[[1,0,0]]}}]}")
                .status())
        .isEqualTo(400);
    assertThat(
            rest.call(
                    "PUT",
                    C + "/points",
                    "/collections/m/points",
                    "{\"points\":[{\"id\":1,\"vector\":{\"dense\":[1,0],\"colbert\":[1,0,0]}}]}")
                .status())
        .isEqualTo(400);
    Rest.Answer euclid =
        rest.call(
            "PUT",
            C,
            "/collections/e",
            "{\"vectors\":{\"size\":3,\"distance\":\"Euclid\","
                + "\"multivector_config\":{\"comparator\":\"max_sim\"}}}");
    assertThat(euclid.status()).isEqualTo(400);
    assertThat(euclid.error()).contains("multivector_config");

    node.kill();
    node.start();
    rest = new Rest(node.httpPort, openApi);
    JsonNode after =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/m/points/query",
                "{\"query\":[[1,0,0],[0,0,1]],\"using\":\"colbert\",\"limit\":3}")
            .result()
            .get("points");
    assertThat(ids(after)).containsExactly(10L, 9L, 8L);
  }
}
