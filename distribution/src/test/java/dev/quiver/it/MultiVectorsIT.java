package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Multivectors over REST as late-interaction (ColBERT) users send them: a dense vector for the
 * first stage and a multivector with {@code max_sim} for reranking, points with lists of vectors,
 * reads, a query by a multivector, the reranking pattern (a dense prefetch, then the multivector
 * query among its results), recommendations by multivector examples, Qdrant's errors, and the data
 * across a restart. Every answer is checked against the OpenAPI document.
 */
class MultiVectorsIT extends SingleNodeFixture {

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

    // recommend by multivectors, as Qdrant scores them: average_vector joins the positive rows
    // with the negative rows negated ([[10,0,0],[0,1,0],[-1,0,0],[0,-1,0]]): MaxSim 10i + 1
    JsonNode recommended =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/m/points/query",
                "{\"query\":{\"recommend\":{\"positive\":[10],\"negative\":[1]}},"
                    + "\"using\":\"colbert\",\"limit\":3}")
            .result()
            .get("points");
    assertThat(ids(recommended)).containsExactly(9L, 8L, 7L);
    assertThat(recommended.get(0).get("score").floatValue()).isEqualTo(91f);
    // best_score: the sigmoid of the best positive MaxSim, 10i + 1 (against i + 1 for the negative)
    JsonNode best =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/m/points/query",
                "{\"query\":{\"recommend\":{\"positive\":[10],\"negative\":[1],"
                    + "\"strategy\":\"best_score\"}},\"using\":\"colbert\",\"limit\":2}")
            .result()
            .get("points");
    assertThat(ids(best)).containsExactly(9L, 8L);
    assertThat(best.get(0).get("score").floatValue())
        .isCloseTo(0.5f * (91f / 92f + 1f), within(1e-6f));

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

  /** float16 and uint8 vectors: reported, searched, checked, and stored at their width. */
  @Test
  void datatypesAreStoredInTheirWidth() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        C,
        "/collections/d",
        "{\"vectors\":{\"half\":{\"size\":4,\"distance\":\"Dot\",\"datatype\":\"float16\"},"
            + "\"bytes\":{\"size\":4,\"distance\":\"Euclid\",\"datatype\":\"uint8\"},"
            + "\"rows\":{\"size\":2,\"distance\":\"Dot\",\"datatype\":\"float16\","
            + "\"multivector_config\":{\"comparator\":\"max_sim\"}}}}");
    JsonNode vectors =
        rest.call("GET", C, "/collections/d", null).result().at("/config/params/vectors");
    assertThat(vectors.at("/half/datatype").asText()).isEqualTo("float16");
    assertThat(vectors.at("/bytes/datatype").asText()).isEqualTo("uint8");
    rest.call(
        "PUT",
        C + "/points",
        "/collections/d/points?wait=true",
        "{\"points\":[{\"id\":1,\"vector\":{\"half\":[0.5,0,0,0],\"bytes\":[10,20,30,40],"
            + "\"rows\":[[1000.3,0],[0,2]]}},"
            + "{\"id\":2,\"vector\":{\"half\":[0.25,0,0,0],\"bytes\":[200,0,0,255]}}]}");
    // a float16 multivector keeps its rows at half precision: 1000.3 is stored as 1000.5
    JsonNode p1 = rest.call("GET", C + "/points/{id}", "/collections/d/points/1", null).result();
    assertThat(p1.at("/vector/rows").toString()).isEqualTo("[[1000.5,0.0],[0.0,2.0]]");
    JsonNode maxSim =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/d/points/query",
                "{\"query\":[[1,0],[0,1]],\"using\":\"rows\"}")
            .result()
            .get("points");
    assertThat(maxSim.get(0).get("score").floatValue()).isEqualTo(1002.5f);
    JsonNode half =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/d/points/query",
                "{\"query\":[1,0,0,0],\"using\":\"half\",\"with_vector\":true}")
            .result()
            .get("points");
    assertThat(half.get(0).get("score").floatValue()).isEqualTo(0.5f);
    assertThat(half.get(0).at("/vector/bytes").toString()).isEqualTo("[10.0,20.0,30.0,40.0]");
    JsonNode near =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/d/points/query",
                "{\"query\":[201,0,0,250],\"using\":\"bytes\",\"limit\":1}")
            .result()
            .get("points");
    assertThat(near.get(0).get("id").asInt()).isEqualTo(2);
    Rest.Answer range =
        rest.call(
            "PUT",
            C + "/points",
            "/collections/d/points",
            "{\"points\":[{\"id\":3,\"vector\":{\"half\":[1,0,0,0],\"bytes\":[1,2,3,256]}}]}");
    assertThat(range.status()).isEqualTo(400);
    assertThat(range.error()).contains("0 to 255");
    // the chunk files: 2 and 1 bytes a component after the 64-byte header
    java.util.List<Long> sizes = new java.util.ArrayList<>();
    try (var files = java.nio.file.Files.walk(work)) {
      for (Path f :
          files.filter(f -> f.getFileName().toString().equals("chunk-00000.vec")).toList()) {
        sizes.add(java.nio.file.Files.size(f));
      }
    }
    assertThat(sizes).containsExactlyInAnyOrder(64L + 16384L * 4 * 2, 64L + 16384L * 4);
  }

  /**
   * A multivector query over a whole collection walks the HNSW graph over the points once it is
   * built (reported indexed, status green) and finds what the exact search finds; with {@code m: 0}
   * no graph is built.
   */
  @Test
  void aGraphServesWholeCollectionQueries() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    for (String c : new String[] {"g", "r"}) {
      rest.call(
          "PUT",
          C,
          "/collections/" + c,
          "{\"vectors\":{\"colbert\":{\"size\":4,\"distance\":\"Cosine\","
              + "\"multivector_config\":{\"comparator\":\"max_sim\"}"
              + (c.equals("r") ? ",\"hnsw_config\":{\"m\":0}" : "")
              + "}},\"hnsw_config\":{\"full_scan_threshold\":10},"
              + "\"optimizers_config\":{\"indexing_threshold\":1}}");
    }
    Random r = new Random(5);
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 1; i <= 400; i++) {
      points.append(i > 1 ? "," : "").append("{\"id\":").append(i).append(",\"vector\":");
      points.append("{\"colbert\":").append(rows(r, 1 + r.nextInt(4))).append("}}");
    }
    points.append("]}");
    for (String c : new String[] {"g", "r"}) {
      rest.call("PUT", C + "/points", "/collections/" + c + "/points?wait=true", points.toString());
    }
    JsonNode info = null;
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      info = rest.call("GET", C, "/collections/g", null).result();
      if (info.get("indexed_vectors_count").asLong() == 400
          && info.get("status").asText().equals("green")) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(info.get("indexed_vectors_count").asLong()).isEqualTo(400);
    assertThat(info.get("status").asText()).isEqualTo("green");
    JsonNode rerankOnly = rest.call("GET", C, "/collections/r", null).result();
    assertThat(rerankOnly.get("indexed_vectors_count").asLong()).isZero();
    assertThat(rerankOnly.get("status").asText()).isEqualTo("green");
    int found = 0;
    for (int q = 0; q < 20; q++) {
      String query = rows(r, 2);
      List<Long> walked = ids(query(rest, "g", query, false));
      List<Long> exact = ids(query(rest, "g", query, true));
      assertThat(walked).hasSize(5);
      found += (int) walked.stream().filter(exact::contains).count();
      assertThat(ids(query(rest, "r", query, false))).isEqualTo(exact);
    }
    assertThat(found).as("recall@5 over 20 queries").isGreaterThanOrEqualTo(90);
  }

  private static JsonNode query(Rest rest, String collection, String rows, boolean exact)
      throws Exception {
    return rest.call(
            "POST",
            C + "/points/query",
            "/collections/" + collection + "/points/query",
            "{\"query\":"
                + rows
                + ",\"using\":\"colbert\",\"limit\":5"
                + (exact ? ",\"params\":{\"exact\":true}" : "")
                + "}")
        .result()
        .get("points");
  }

  /** {@code count} random rows of 4 components, as JSON. */
  private static String rows(Random r, int count) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      out.append(i > 0 ? ",[" : "[");
      for (int d = 0; d < 4; d++) {
        out.append(d > 0 ? "," : "").append(r.nextInt(21) - 10);
      }
      out.append("]");
    }
    return out.append("]").toString();
  }
}
