package dev.quiver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sparse vectors over REST as a Qdrant user sends them: the basic dense + sparse collection,
 * upserts in both forms, reads, the legacy search with a named sparse vector, query with {@code
 * using}, hybrid RRF fusion of a dense and a sparse prefetch, Qdrant's validation errors, PATCH of
 * the sparse parameters, a sparse name added and deleted, and the data across a restart. Every
 * answer is checked against the OpenAPI document.
 */
class SparseVectorsIT extends SingleNodeFixture {

  @Test
  void hybridSearchWithSparseVectors() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        C,
        "/collections/h",
        "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},"
            + "\"sparse_vectors\":{\"sparse-text\":{},\"idf-text\":{\"modifier\":\"idf\","
            + "\"index\":{\"full_scan_threshold\":100}}}}");
    JsonNode params = rest.call("GET", C, "/collections/h", null).result().at("/config/params");
    assertThat(params.at("/sparse_vectors/sparse-text").isObject()).isTrue();
    assertThat(params.at("/sparse_vectors/idf-text/modifier").asText()).isEqualTo("idf");
    assertThat(params.at("/sparse_vectors/idf-text/index/full_scan_threshold").asInt())
        .isEqualTo(100);
    // points list form: the unnamed dense vector under "" next to the sparse ones (unsorted)
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 1; i <= 20; i++) {
      points
          .append(i > 1 ? "," : "")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":{\"\":[")
          .append(i % 4 == 0 ? 1 : 0)
          .append(",0,0,")
          .append(i % 4 == 0 ? 0 : 1)
          .append("],\"sparse-text\":{\"indices\":[")
          .append(100 + i % 5)
          .append(",7],\"values\":[")
          .append(i)
          .append(",0.5]}},\"payload\":{\"group\":")
          .append(i % 2)
          .append("}}");
    }
    points.append("]}");
    assertThat(
            rest.call("PUT", C + "/points", "/collections/h/points?wait=true", points.toString())
                .status())
        .isEqualTo(200);
    // batch form with a sparse vector
    rest.call(
        "PUT",
        C + "/points",
        "/collections/h/points?wait=true",
        "{\"batch\":{\"ids\":[21],\"vectors\":{\"\":[[0,0,1,0]],"
            + "\"idf-text\":[{\"indices\":[3,1],\"values\":[1,2]}]}}}");

    // read back, sorted by index
    JsonNode p21 = rest.call("GET", C + "/points/{id}", "/collections/h/points/21", null).result();
    assertThat(p21.at("/vector/idf-text/indices").toString()).isEqualTo("[1,3]");
    assertThat(p21.at("/vector/idf-text/values").toString()).isEqualTo("[2.0,1.0]");
    assertThat(p21.at("/vector/").isArray()).isTrue();
    // has_vector: point 21 has no sparse-text vector
    JsonNode without =
        rest.call(
                "POST",
                C + "/points/scroll",
                "/collections/h/points/scroll",
                "{\"filter\":{\"must_not\":[{\"has_vector\":\"sparse-text\"}]},\"limit\":50}")
            .result()
            .get("points");
    assertThat(ids(without)).containsExactly(21L);
    assertThat(
            rest.call(
                    "POST",
                    C + "/points/count",
                    "/collections/h/points/count",
                    "{\"filter\":{\"must\":[{\"has_vector\":\"\"},{\"has_vector\":\"sparse-text\"}]},"
                        + "\"exact\":true}")
                .result()
                .get("count")
                .asInt())
        .isEqualTo(20);

    // query by a sparse vector: exact dot products, only points sharing a dimension
    JsonNode q =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/h/points/query",
                "{\"query\":{\"indices\":[103],\"values\":[2]},\"using\":\"sparse-text\","
                    + "\"limit\":10}")
            .result()
            .get("points");
    assertThat(ids(q)).containsExactly(18L, 13L, 8L, 3L);
    assertThat(q.get(0).get("score").floatValue()).isEqualTo(36f);
    // a filter, and the legacy search with a NamedSparseVector and `top` instead of `limit`
    JsonNode s =
        rest.send( // not in the OpenAPI document any more: Qdrant still serves it
                "POST",
                "/collections/h/points/search",
                "{\"vector\":{\"name\":\"sparse-text\",\"vector\":{\"indices\":[103],"
                    + "\"values\":[2]}},\"top\":2,\"filter\":{\"must\":[{\"key\":\"group\","
                    + "\"match\":{\"value\":1}}]}}")
            .result();
    assertThat(ids(s)).containsExactly(13L, 3L);

    // hybrid: a dense and a sparse prefetch fused by RRF
    JsonNode fused =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/h/points/query",
                "{\"prefetch\":[{\"query\":[1,0,0,0],\"limit\":5},"
                    + "{\"query\":{\"indices\":[104],\"values\":[1]},\"using\":\"sparse-text\","
                    + "\"limit\":5}],\"query\":{\"fusion\":\"rrf\"},\"limit\":3,"
                    + "\"with_vector\":[\"sparse-text\"]}")
            .result()
            .get("points");
    assertThat(ids(fused)).hasSize(3).first().isIn(4L, 9L, 14L, 19L, 8L, 12L, 16L, 20L);
    assertThat(fused.get(0).at("/vector/sparse-text/indices").isArray()).isTrue();

    // recommend by a point's sparse vector, and the distance matrix of sparse vectors
    JsonNode rec =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/h/points/query",
                "{\"query\":{\"recommend\":{\"positive\":[13]}},\"using\":\"sparse-text\","
                    + "\"limit\":3}")
            .result()
            .get("points");
    assertThat(ids(rec)).containsExactly(18L, 8L, 3L); // dimension 103, then by weight
    JsonNode matrix =
        rest.call(
                "POST",
                C + "/points/search/matrix/pairs",
                "/collections/h/points/search/matrix/pairs",
                "{\"sample\":6,\"limit\":2,\"using\":\"sparse-text\"}")
            .result();
    assertThat(matrix.get("pairs").size()).isGreaterThan(0);
    matrix.get("pairs").forEach(p -> assertThat(p.get("score").floatValue()).isPositive());

    // validation as Qdrant: duplicate indices, lengths that differ (422); a dense vector for a
    // sparse name and an unknown name (400)
    Rest.Answer dup =
        rest.call(
            "PUT",
            C + "/points",
            "/collections/h/points",
            "{\"points\":[{\"id\":1,\"vector\":{\"sparse-text\":{\"indices\":[1,1],"
                + "\"values\":[1,2]}}}]}");
    assertThat(dup.status()).isEqualTo(422);
    assertThat(dup.error()).contains("indices: must be unique");
    Rest.Answer len =
        rest.call(
            "POST",
            C + "/points/query",
            "/collections/h/points/query",
            "{\"query\":{\"indices\":[1,2],\"values\":[1]},\"using\":\"sparse-text\"}");
    assertThat(len.status()).isEqualTo(422);
    assertThat(len.error()).contains("must be the same length as indices");
    assertThat(
            rest.call(
                    "POST",
                    C + "/points/query",
                    "/collections/h/points/query",
                    "{\"query\":[1,0,0,0],\"using\":\"sparse-text\"}")
                .status())
        .isEqualTo(400);
    assertThat(
            rest.call(
                    "PUT",
                    C + "/points",
                    "/collections/h/points",
                    "{\"points\":[{\"id\":1,\"vector\":{\"\":[1,0,0,0],\"nope\":{\"indices\":[1],"
                        + "\"values\":[1]}}}]}")
                .status())
        .isEqualTo(400);
    // the index's weights in uint8, reported as set, changed by PATCH; an unknown type refused
    assertThat(
            rest.call(
                    "PUT",
                    C,
                    "/collections/d",
                    "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},"
                        + "\"sparse_vectors\":{\"t\":{\"index\":{\"datatype\":\"uint8\"}}}}")
                .status())
        .isEqualTo(200);
    assertThat(
            rest.call("GET", C, "/collections/d", null)
                .result()
                .at("/config/params/sparse_vectors/t/index/datatype")
                .asText())
        .isEqualTo("uint8");
    rest.call(
        "PATCH",
        C,
        "/collections/d",
        "{\"sparse_vectors\":{\"t\":{\"index\":{\"datatype\":\"float16\"}}}}");
    assertThat(
            rest.call("GET", C, "/collections/d", null)
                .result()
                .at("/config/params/sparse_vectors/t/index/datatype")
                .asText())
        .isEqualTo("float16");
    Rest.Answer unknown =
        rest.call(
            "PUT",
            C,
            "/collections/e",
            "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},"
                + "\"sparse_vectors\":{\"t\":{\"index\":{\"datatype\":\"int4\"}}}}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.error()).contains("sparse_vectors.t.index.datatype");

    // PATCH: the IDF modifier turned on for sparse-text
    rest.call(
        "PATCH",
        C,
        "/collections/h",
        "{\"sparse_vectors\":{\"sparse-text\":{\"modifier\":\"idf\"}}}");
    assertThat(
            rest.call("GET", C, "/collections/h", null)
                .result()
                .at("/config/params/sparse_vectors/sparse-text/modifier")
                .asText())
        .isEqualTo("idf");
    JsonNode idf =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/h/points/query",
                "{\"query\":{\"indices\":[7],\"values\":[1]},\"using\":\"sparse-text\","
                    + "\"limit\":1}")
            .result()
            .get("points");
    // dimension 7 is in all 20 vectors: idf = ln((20 - 20 + 0.5) / (20 + 0.5) + 1)
    assertThat(idf.get(0).get("score").doubleValue())
        .isCloseTo(0.5 * Math.log(0.5 / 20.5 + 1), org.assertj.core.data.Offset.offset(1e-5));

    // a sparse name added, then deleted
    rest.call(
        "PUT",
        C + "/vectors/{vector_name}",
        "/collections/h/vectors/splade",
        "{\"sparse\":{\"modifier\":\"none\"}}");
    assertThat(
            rest.call("GET", C, "/collections/h", null)
                .result()
                .at("/config/params/sparse_vectors/splade")
                .isObject())
        .isTrue();
    rest.call("DELETE", C + "/vectors/{vector_name}", "/collections/h/vectors/idf-text", null);
    // vector names are bounded: one written into the metadata must fit its record
    String longName = "\u6771".repeat(256);
    Rest.Answer tooLong =
        rest.call(
            "PUT",
            C + "/vectors/{vector_name}",
            "/collections/h/vectors/" + URLEncoder.encode(longName, StandardCharsets.UTF_8),
            "{\"sparse\":{}}");
    assertThat(tooLong.status()).isEqualTo(422);
    assertThat(tooLong.error()).contains("length must be at most 255");
    Rest.Answer tooLongAtCreate =
        rest.call(
            "PUT",
            C,
            "/collections/long-names",
            "{\"vectors\":{\"" + longName + "\":{\"size\":4,\"distance\":\"Dot\"}}}");
    assertThat(tooLongAtCreate.status()).as(tooLongAtCreate.error()).isEqualTo(422);
    assertThat(
            rest.call("GET", C + "/points/{id}", "/collections/h/points/21", null)
                .result()
                .at("/vector/idf-text")
                .isMissingNode())
        .isTrue();

    // BM25: documents embedded by the node in upserts and queries; another model is refused
    rest.call(
        "PUT",
        C + "/points",
        "/collections/h/points?wait=true",
        "{\"points\":[{\"id\":30,\"vector\":{\"\":[0,1,0,0],\"splade\":{\"text\":"
            + "\"The quick brown foxes jumped over lazy dogs\",\"model\":\"qdrant/bm25\"}}},"
            + "{\"id\":31,\"vector\":{\"\":[0,1,0,0],\"splade\":{\"text\":\"A fox\","
            + "\"model\":\"bm25\",\"options\":{\"k\":1.5}}}}]}");
    JsonNode bm25 =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/h/points/query",
                "{\"query\":{\"text\":\"the FOX\",\"model\":\"Qdrant/bm25\"},"
                    + "\"using\":\"splade\",\"with_vector\":[\"splade\"]}")
            .result()
            .get("points");
    assertThat(ids(bm25)).containsExactly(31L, 30L); // the shorter document weighs "fox" more
    assertThat(bm25.get(1).at("/vector/splade/indices").size()).isEqualTo(6);
    Rest.Answer otherModel =
        rest.call(
            "POST",
            C + "/points/query",
            "/collections/h/points/query",
            "{\"query\":{\"text\":\"fox\",\"model\":\"openai/text-embedding-3-small\"},"
                + "\"using\":\"splade\"}");
    assertThat(otherModel.status()).isEqualTo(400);
    assertThat(otherModel.error()).contains("openai/text-embedding-3-small");

    // everything is there after a restart
    node.kill();
    node.start();
    rest = new Rest(node.httpPort, openApi);
    JsonNode after =
        rest.call(
                "POST",
                C + "/points/query",
                "/collections/h/points/query",
                "{\"query\":{\"indices\":[103],\"values\":[2]},\"using\":\"sparse-text\","
                    + "\"limit\":10}")
            .result()
            .get("points");
    assertThat(ids(after)).containsExactly(18L, 13L, 8L, 3L);
  }

  /**
   * An index on disk ({@code index.on_disk: true}) answers exactly as one on the heap: the same
   * random sparse points in two collections, past the size at which the disk one seals its lists
   * into files, the same queries; then the disk index moved to the heap and back by PATCH, and a
   * restart.
   */
  @Test
  void anIndexOnDiskAnswersAsTheHeapOne() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    for (String c : List.of("heap", "disk")) {
      rest.call(
          "PUT",
          C,
          "/collections/" + c,
          "{\"vectors\":{},\"sparse_vectors\":{\"t\":{\"modifier\":\"idf\""
              + (c.equals("disk") ? ",\"index\":{\"on_disk\":true}" : "")
              + "}}}");
    }
    assertThat(
            rest.call("GET", C, "/collections/disk", null)
                .result()
                .at("/config/params/sparse_vectors/t/index/on_disk")
                .asBoolean())
        .isTrue();
    java.util.SplittableRandom r = new java.util.SplittableRandom(20261202);
    for (int batch = 0; batch < 6; batch++) {
      StringBuilder points = new StringBuilder("{\"points\":[");
      for (int i = 0; i < 500; i++) {
        java.util.TreeMap<Integer, Double> v = new java.util.TreeMap<>();
        for (int k = 0; k < 30; k++) {
          v.put((int) Math.abs(r.nextGaussian() * 400), r.nextDouble() * 2);
        }
        points
            .append(i > 0 ? "," : "")
            .append("{\"id\":")
            .append(batch * 500 + i)
            .append(",\"vector\":{\"t\":{\"indices\":")
            .append(v.keySet())
            .append(",\"values\":")
            .append(v.values())
            .append("}}}");
      }
      points.append("]}");
      for (String c : List.of("heap", "disk")) {
        assertThat(
                rest.call(
                        "PUT",
                        C + "/points",
                        "/collections/" + c + "/points?wait=true",
                        points.toString())
                    .status())
            .isEqualTo(200);
      }
    }
    rest.call(
        "POST",
        C + "/points/delete",
        "/collections/disk/points/delete?wait=true",
        "{\"points\":[1,2,3,500,2999]}");
    rest.call(
        "POST",
        C + "/points/delete",
        "/collections/heap/points/delete?wait=true",
        "{\"points\":[1,2,3,500,2999]}");
    List<String> queries = new ArrayList<>();
    for (int q = 0; q < 20; q++) {
      queries.add(
          "{\"query\":{\"indices\":["
              + (int) Math.abs(r.nextGaussian() * 400)
              + ","
              + (500 + q)
              + ","
              + q
              + "],\"values\":[1,0.5,2]},\"using\":\"t\",\"limit\":15}");
    }
    assertSameAnswers(rest, queries);
    try (var files = java.nio.file.Files.walk(work)) {
      assertThat(files.filter(f -> f.toString().endsWith(".qsp")).count())
          .as("sealed posting files")
          .isPositive();
    }
    // the disk index moved to the heap, and back; then a restart
    for (boolean onDisk : new boolean[] {false, true}) {
      rest.call(
          "PATCH",
          C,
          "/collections/disk",
          "{\"sparse_vectors\":{\"t\":{\"index\":{\"on_disk\":" + onDisk + "}}}}");
      assertSameAnswers(rest, queries);
      try (var files = java.nio.file.Files.walk(work)) {
        assertThat(files.anyMatch(f -> f.toString().endsWith(".qsp"))).isEqualTo(onDisk);
      }
    }
    // memory placement: pinned (heap) over on_disk, then cached files; an unknown one refused
    for (String memory : new String[] {"pinned", "cached"}) {
      rest.call(
          "PATCH",
          C,
          "/collections/disk",
          "{\"sparse_vectors\":{\"t\":{\"index\":{\"memory\":\"" + memory + "\"}}}}");
      assertThat(
              rest.call("GET", C, "/collections/disk", null)
                  .result()
                  .at("/config/params/sparse_vectors/t/index/memory")
                  .asText())
          .isEqualTo(memory);
      assertSameAnswers(rest, queries);
      try (var files = java.nio.file.Files.walk(work)) {
        assertThat(files.anyMatch(f -> f.toString().endsWith(".qsp")))
            .isEqualTo(memory.equals("cached"));
      }
    }
    assertThat(
            rest.send(
                    "PATCH",
                    "/collections/disk",
                    "{\"sparse_vectors\":{\"t\":{\"index\":{\"memory\":\"warm\"}}}}")
                .status())
        .isEqualTo(400);
    node.kill();
    node.start();
    assertSameAnswers(new Rest(node.httpPort, openApi), queries);
  }

  private static void assertSameAnswers(Rest rest, List<String> queries) throws Exception {
    for (String q : queries) {
      JsonNode heap =
          rest.call("POST", C + "/points/query", "/collections/heap/points/query", q)
              .result()
              .get("points");
      JsonNode disk =
          rest.call("POST", C + "/points/query", "/collections/disk/points/query", q)
              .result()
              .get("points");
      assertThat(disk.size()).as(q).isEqualTo(heap.size()).isPositive();
      for (int i = 0; i < heap.size(); i++) {
        assertThat(disk.get(i).get("score").floatValue())
            .as(q + " rank " + i)
            .isEqualTo(heap.get(i).get("score").floatValue());
      }
    }
  }
}
