package dev.quiver.it;

import static io.qdrant.client.ConditionFactory.matchKeywords;
import static io.qdrant.client.ExpressionFactory.condition;
import static io.qdrant.client.ExpressionFactory.constant;
import static io.qdrant.client.ExpressionFactory.mult;
import static io.qdrant.client.ExpressionFactory.sum;
import static io.qdrant.client.ExpressionFactory.variable;
import static io.qdrant.client.QueryFactory.formula;
import static io.qdrant.client.QueryFactory.nearest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Points.Formula;
import io.qdrant.client.grpc.Points.MultExpression;
import io.qdrant.client.grpc.Points.PrefetchQuery;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.SumExpression;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Score boosting as Qdrant's documentation shows it — boosting by payload conditions, decay by geo
 * distance with a default location, decay by age — over REST (every answer checked against the
 * OpenAPI document) and through the official Java client; the scores are computed here from the
 * points' data.
 */
class FormulaQueriesIT extends SingleNodeFixture {

  private static final String Q = "/collections/{collection_name}/points/query";

  /** Point i (1..6) has vector [i/10, 1]: a prefetch by [1, 0] scores it i/10. */
  private static final String[] TAGS = {
    "\"h1\"", "\"p\"", "\"li\"", "\"h3\"", "\"div\"", "[\"h2\",\"p\"]"
  };

  /** Days before 2025-01-01 each point was updated. */
  private static final int[] AGE_DAYS = {0, 1, 2, 3, 4, 5};

  /** Where the first three points are; the others have no location. */
  private static final double[][] PLACES = {{52.52, 13.405}, {52.40, 13.06}, {53.55, 9.99}};

  private static final double[] BERLIN = {52.504043, 13.393236};
  private static final double[] MUNICH = {48.137154, 11.576124};

  @Test
  void scoreBoostingAsQdrantDocumentsIt() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        "/collections/{collection_name}",
        "/collections/docs",
        "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 1; i <= 6; i++) {
      points
          .append(i > 1 ? "," : "")
          .append("{\"id\":")
          .append(i)
          .append(",\"vector\":[")
          .append(i / 10.0)
          .append(",1],\"payload\":{\"tag\":")
          .append(TAGS[i - 1])
          .append(",\"update_time\":\"")
          .append(LocalDate.of(2025, 1, 1).minusDays(AGE_DAYS[i - 1]))
          .append("T00:00:00Z\"");
      if (i <= PLACES.length) {
        points
            .append(",\"geo\":{\"location\":{\"lat\":")
            .append(PLACES[i - 1][0])
            .append(",\"lon\":")
            .append(PLACES[i - 1][1])
            .append("}}");
      }
      points.append("}}");
    }
    rest.call(
        "PUT",
        "/collections/{collection_name}/points",
        "/collections/docs/points?wait=true",
        points.append("]}").toString());

    // boosting by tags: headings + 0.5, paragraphs and list items + 0.25
    String tags =
        "{\"prefetch\":{\"query\":[1,0],\"limit\":50},"
            + "\"query\":{\"formula\":{\"sum\":[\"$score\","
            + "{\"mult\":[0.5,{\"key\":\"tag\",\"match\":{\"any\":[\"h1\",\"h2\",\"h3\",\"h4\"]}}]},"
            + "{\"mult\":[0.25,{\"key\":\"tag\",\"match\":{\"any\":[\"p\",\"li\"]}}]}]}},"
            + "\"limit\":6}";
    JsonNode byTags = rest.call("POST", Q, "/collections/docs/points/query", tags).result();
    double[] expected = {0.6, 0.45, 0.55, 0.9, 0.5, 1.35};
    assertThat(ids(byTags.get("points"))).containsExactly(6L, 4L, 1L, 3L, 5L, 2L);
    for (JsonNode p : byTags.get("points")) {
      assertThat(p.get("score").asDouble())
          .isCloseTo(expected[p.get("id").asInt() - 1], within(1e-6));
    }

    // decay by distance to Berlin's centre; points without a location are placed in Munich
    String geo =
        "{\"prefetch\":{\"query\":[1,0],\"limit\":50},"
            + "\"query\":{\"formula\":{\"sum\":[\"$score\",{\"gauss_decay\":{\"x\":{\"geo_distance\":"
            + "{\"origin\":{\"lat\":52.504043,\"lon\":13.393236},\"to\":\"geo.location\"}},"
            + "\"scale\":5000}}]},"
            + "\"defaults\":{\"geo.location\":{\"lat\":48.137154,\"lon\":11.576124}}},"
            + "\"limit\":6,\"with_payload\":false}";
    JsonNode byGeo = rest.call("POST", Q, "/collections/docs/points/query", geo).result();
    for (JsonNode p : byGeo.get("points")) {
      int i = p.get("id").asInt();
      double[] at = i <= PLACES.length ? PLACES[i - 1] : MUNICH;
      double d = haversine(BERLIN, at);
      double want = (float) (i / 10.0) + Math.exp(Math.log(0.5) / (5000.0 * 5000.0) * d * d);
      assertThat(p.get("score").asDouble()).as("point %d", i).isCloseTo(want, within(1e-5));
    }
    assertThat(ids(byGeo.get("points")).getFirst()).as("the one in Berlin's centre").isEqualTo(1L);

    // decay by age: half the boost per day
    String age =
        "{\"prefetch\":{\"query\":[1,0],\"limit\":50},"
            + "\"query\":{\"formula\":{\"sum\":[\"$score\",{\"exp_decay\":{"
            + "\"x\":{\"datetime_key\":\"update_time\"},"
            + "\"target\":{\"datetime\":\"2025-01-01T00:00:00Z\"},"
            + "\"scale\":86400,\"midpoint\":0.5}}]}},\"limit\":6}";
    JsonNode byAge = rest.call("POST", Q, "/collections/docs/points/query", age).result();
    for (JsonNode p : byAge.get("points")) {
      int i = p.get("id").asInt();
      double want = (float) (i / 10.0) + Math.pow(0.5, AGE_DAYS[i - 1]);
      assertThat(p.get("score").asDouble()).as("point %d", i).isCloseTo(want, within(1e-6));
    }

    // Qdrant's errors: no prefetch, a missing value without a default, a stray field, bad decay
    rest.refused(
        "POST",
        "/collections/docs/points/query",
        "{\"query\":{\"formula\":{\"sum\":[\"$score\"]}}}",
        400,
        "cannot apply Formula without prefetches");
    rest.refused(
        "POST",
        "/collections/docs/points/query",
        "{\"prefetch\":{\"query\":[1,0]},\"query\":{\"formula\":\"geo.location.lat\"}}",
        400,
        "Expected number value for geo.location.lat in the payload and/or in the formula"
            + " defaults. Error: No value found in a payload nor defaults");
    rest.refused(
        "POST",
        "/collections/docs/points/query",
        "{\"prefetch\":{\"query\":[1,0]},"
            + "\"query\":{\"formula\":{\"exp_decay\":{\"x\":1,\"offset\":2}}}}",
        400,
        "query.formula.exp_decay.offset");
    rest.refused(
        "POST",
        "/collections/docs/points/query",
        "{\"prefetch\":{\"query\":[1,0]},"
            + "\"query\":{\"formula\":{\"exp_decay\":{\"x\":1,\"midpoint\":1.5}}}}",
        400,
        "Decay midpoint should be in the range (0.0, 1.0)");

    // the tag boosting again through the official Java client: the same points, the same scores
    try (QdrantClient client =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", node.grpcPort, false, true).build())) {
      var boost =
          Formula.newBuilder()
              .setExpression(
                  sum(
                      SumExpression.newBuilder()
                          .addSum(variable("$score"))
                          .addSum(
                              mult(
                                  MultExpression.newBuilder()
                                      .addMult(constant(0.5f))
                                      .addMult(
                                          condition(
                                              matchKeywords(
                                                  "tag", List.of("h1", "h2", "h3", "h4"))))
                                      .build()))
                          .addSum(
                              mult(
                                  MultExpression.newBuilder()
                                      .addMult(constant(0.25f))
                                      .addMult(condition(matchKeywords("tag", List.of("p", "li"))))
                                      .build()))
                          .build()))
              .build();
      List<ScoredPoint> found =
          client
              .queryAsync(
                  QueryPoints.newBuilder()
                      .setCollectionName("docs")
                      .addPrefetch(
                          PrefetchQuery.newBuilder().setQuery(nearest(1f, 0f)).setLimit(50))
                      .setQuery(formula(boost))
                      .setLimit(6)
                      .build())
              .get();
      assertThat(found).extracting(p -> p.getId().getNum()).containsExactly(6L, 4L, 1L, 3L, 5L, 2L);
      for (int k = 0; k < found.size(); k++) {
        assertThat(found.get(k).getScore())
            .isEqualTo((float) byTags.get("points").get(k).get("score").asDouble());
      }
      Throwable failed =
          catchThrowable(
              () ->
                  client
                      .queryAsync(
                          QueryPoints.newBuilder()
                              .setCollectionName("docs")
                              .addPrefetch(PrefetchQuery.newBuilder().setQuery(nearest(1f, 0f)))
                              .setQuery(
                                  formula(
                                      Formula.newBuilder()
                                          .setExpression(variable("no_such_key"))
                                          .build()))
                              .build())
                      .get());
      assertThat(failed).isInstanceOf(ExecutionException.class);
      StatusRuntimeException s = (StatusRuntimeException) failed.getCause();
      assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getStatus().getDescription())
          .contains("No value found in a payload nor defaults");
    }
  }

  /** Haversine metres with the mean Earth radius, computed independently of the server. */
  private static double haversine(double[] a, double[] b) {
    double r = 6_371_008.8;
    double dLat = Math.toRadians(b[0] - a[0]);
    double dLon = Math.toRadians(b[1] - a[1]);
    double h =
        Math.pow(Math.sin(dLat / 2), 2)
            + Math.cos(Math.toRadians(a[0]))
                * Math.cos(Math.toRadians(b[0]))
                * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * r * Math.asin(Math.sqrt(h));
  }
}
