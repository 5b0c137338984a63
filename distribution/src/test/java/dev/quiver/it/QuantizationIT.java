package dev.quiver.it;

import static io.qdrant.client.QueryFactory.nearest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.Points;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Quantization as Qdrant users configure it: {@code quantization_config} on a collection and on a
 * vector, shown back as set, changed and turned off by {@code PATCH}; searches walking the codes,
 * with rescoring (the full vectors' scores) or without (the codes' estimates), over REST and
 * through the official gRPC client (product quantization created there); settings Quiver does not
 * serve refused by name; the codes across a restart. Every REST answer is checked against the
 * OpenAPI document.
 */
class QuantizationIT extends SingleNodeFixture {
  private static final int DIM = 32;
  private static final int POINTS = 400;

  @Test
  void quantizedCollectionsOverRestAndGrpc() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        C,
        "/collections/q",
        "{\"vectors\":{\"size\":"
            + DIM
            + ",\"distance\":\"Cosine\"},\"optimizers_config\":{\"indexing_threshold\":10},"
            + "\"quantization_config\":{\"scalar\":{\"type\":\"int8\",\"quantile\":0.99,"
            + "\"always_ram\":true}}}");
    JsonNode config = rest.call("GET", C, "/collections/q", null).result().get("config");
    assertThat(config.get("quantization_config").toString())
        .isEqualTo("{\"scalar\":{\"type\":\"int8\",\"quantile\":0.99,\"always_ram\":true}}");

    Random random = new Random(7);
    StringBuilder body = new StringBuilder("{\"points\":[");
    for (int i = 0; i < POINTS; i++) {
      body.append(i > 0 ? "," : "").append("{\"id\":").append(i).append(",\"vector\":");
      body.append(gaussianVector(random, DIM)).append('}');
    }
    rest.call(
        "PUT", C + "/points", "/collections/q/points?wait=true", body.append("]}").toString());
    awaitGreen(rest, "q");

    String query = gaussianVector(random, DIM);
    JsonNode exact = search(rest, query, "{\"exact\":true}");
    JsonNode rescored =
        search(rest, query, "{\"quantization\":{\"rescore\":true,\"oversampling\":2.0}}");
    // scalar codes are not rescored unless asked, as in Qdrant
    JsonNode estimated = search(rest, query, "{}");
    Map<Long, Float> exactScores = scores(exact);
    // rescored: the full vectors' scores, for the points both found. To the last bits only: the
    // kernels sum their lanes with the Vector API's reduceLanes, whose order is left open (lane by
    // lane interpreted, pairwise once C2 compiles the kernel), so a score computed on either side
    // of that compilation differs by an ulp or two; the int8 estimates differ by about 1e-2
    scores(rescored)
        .forEach(
            (id, score) -> {
              if (exactScores.containsKey(id)) {
                float exactScore = exactScores.get(id);
                assertThat(score).isCloseTo(exactScore, offset(8 * Math.ulp(exactScore)));
              }
            });
    assertThat(overlap(exactScores, scores(rescored))).isGreaterThanOrEqualTo(8);
    // not rescored: the int8 codes' estimates, close to the scores but not equal to them
    boolean differs = false;
    for (var e : scores(estimated).entrySet()) {
      Float full = exactScores.get(e.getKey());
      if (full != null) {
        assertThat(e.getValue()).isCloseTo(full, offset(0.05f));
        differs |= !e.getValue().equals(full);
      }
    }
    assertThat(differs).isTrue();
    assertThat(search(rest, query, "{\"quantization\":{\"ignore\":true}}").size()).isEqualTo(10);

    // bad settings: validation errors, and what Quiver does not serve is named
    Rest.Answer quantile =
        rest.call(
            "PUT",
            C,
            "/collections/bad",
            "{\"vectors\":{\"size\":4,\"distance\":\"Dot\"},\"quantization_config\":{\"scalar\":"
                + "{\"type\":\"int8\",\"quantile\":0.3}}}");
    assertThat(quantile.status()).isEqualTo(422);
    assertThat(quantile.error()).contains("quantization_config.scalar.quantile");
    Rest.Answer oversampling =
        rest.call(
            "POST",
            C + "/points/query",
            "/collections/q/points/query",
            "{\"query\":"
                + query
                + ",\"limit\":3,\"params\":{\"quantization\":{\"oversampling\":0.5}}}");
    assertThat(oversampling.status()).isEqualTo(422);
    assertThat(oversampling.error()).contains("params.quantization.oversampling");
    Rest.Answer turbo =
        rest.call(
            "PUT",
            C,
            "/collections/bad",
            "{\"vectors\":{\"size\":4,\"distance\":\"Manhattan\"},\"quantization_config\":"
                + "{\"turbo\":{\"bits\":\"bits2\"}}}");
    assertThat(turbo.status()).isEqualTo(400);
    assertThat(turbo.error()).contains("`quantization_config.turbo` of Manhattan vector");

    // PATCH: the vector gets two-bit binary codes of its own, the collection's scalar ones go
    Rest.Answer patched =
        rest.call(
            "PATCH",
            C,
            "/collections/q",
            "{\"quantization_config\":\"Disabled\",\"vectors\":{\"\":{\"quantization_config\":"
                + "{\"binary\":{\"encoding\":\"two_bits\",\"query_encoding\":\"scalar8bits\"}}}}}");
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    config = rest.call("GET", C, "/collections/q", null).result().get("config");
    assertThat(config.get("quantization_config").isNull()).isTrue();
    assertThat(config.at("/params/vectors/quantization_config").toString())
        .isEqualTo("{\"binary\":{\"encoding\":\"two_bits\",\"query_encoding\":\"scalar8bits\"}}");
    awaitGreen(rest, "q");
    assertThat(search(rest, query, "{\"quantization\":{\"oversampling\":3}}").size()).isEqualTo(10);
    // telemetry: each vector's quantization and its bytes a vector (float32 32 x 4 = 128, plus a
    // two-bit code of one word a plane and three floats = 28)
    JsonNode memory =
        rest.call("GET", "/telemetry", "/telemetry?details_level=1", null)
            .result()
            .at("/collections/collections/0/vectors_memory")
            .path(""); // the unnamed vector
    assertThat(memory.path("quantization").asText()).isEqualTo("binary");
    assertThat(memory.path("bytes_per_vector_in_ram").asLong()).isEqualTo(156);
    assertThat(memory.path("bytes_per_vector_on_disk").asLong()).isEqualTo(156);

    // across a restart: the configuration and the codes are read back
    node.close();
    node = new QuiverProcess(work, Map.of()).start();
    rest = new Rest(node.httpPort, openApi);
    config = rest.call("GET", C, "/collections/q", null).result().get("config");
    assertThat(config.at("/params/vectors/quantization_config/binary/query_encoding").asText())
        .isEqualTo("scalar8bits");
    assertThat(scores(search(rest, query, "{\"quantization\":{\"oversampling\":3}}"))).hasSize(10);

    // the official gRPC client: binary quantization on create, shown back, searched
    try (QdrantClient client =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", node.grpcPort, false, true).build())) {
      client
          .createCollectionAsync(
              Collections.CreateCollection.newBuilder()
                  .setCollectionName("g")
                  .setVectorsConfig(
                      Collections.VectorsConfig.newBuilder()
                          .setParams(
                              Collections.VectorParams.newBuilder()
                                  .setSize(DIM)
                                  .setDistance(Collections.Distance.Dot)))
                  .setQuantizationConfig(
                      Collections.QuantizationConfig.newBuilder()
                          .setProduct(
                              Collections.ProductQuantization.newBuilder()
                                  .setCompression(Collections.CompressionRatio.x8)
                                  .setAlwaysRam(true)))
                  .build())
          .get();
      Collections.CollectionInfo info = client.getCollectionInfoAsync("g").get();
      assertThat(info.getConfig().getQuantizationConfig().getProduct().getCompression())
          .isEqualTo(Collections.CompressionRatio.x8);
      assertThat(info.getConfig().getQuantizationConfig().getProduct().getAlwaysRam()).isTrue();
      var refused =
          client.createCollectionAsync(
              Collections.CreateCollection.newBuilder()
                  .setCollectionName("g2")
                  .setVectorsConfig(
                      Collections.VectorsConfig.newBuilder()
                          .setParams(
                              Collections.VectorParams.newBuilder()
                                  .setSize(DIM)
                                  .setDistance(Collections.Distance.Manhattan)))
                  .setQuantizationConfig(
                      Collections.QuantizationConfig.newBuilder()
                          .setTurboquant(
                              Collections.TurboQuantization.newBuilder()
                                  .setBits(Collections.TurboQuantBitSize.Bits4)))
                  .build());
      assertThat(catchThrowable(refused::get).getCause().getMessage())
          .contains("INVALID_ARGUMENT")
          .contains("quantization_config.turbo");
      var found =
          client
              .queryAsync(
                  Points.QueryPoints.newBuilder()
                      .setCollectionName("q")
                      .setQuery(nearest(floats(query)))
                      .setLimit(5)
                      .setParams(
                          Points.SearchParams.newBuilder()
                              .setQuantization(
                                  Points.QuantizationSearchParams.newBuilder()
                                      .setRescore(true)
                                      .setOversampling(2.0)))
                      .build())
              .get();
      assertThat(found).hasSize(5);
      for (var p : found) {
        Float full = exactScores.get(p.getId().getNum());
        if (full != null) {
          assertThat(p.getScore()).isCloseTo(full, offset(1e-5f));
        }
      }
    }
  }

  private static JsonNode search(Rest rest, String query, String params) throws Exception {
    return rest.call(
            "POST",
            C + "/points/query",
            "/collections/q/points/query",
            "{\"query\":" + query + ",\"limit\":10,\"params\":" + params + "}")
        .result()
        .get("points");
  }

  private static Map<Long, Float> scores(JsonNode points) {
    Map<Long, Float> out = new HashMap<>();
    points.forEach(p -> out.put(p.get("id").asLong(), p.get("score").floatValue()));
    return out;
  }

  private static int overlap(Map<Long, Float> a, Map<Long, Float> b) {
    return (int) b.keySet().stream().filter(a::containsKey).count();
  }
}
