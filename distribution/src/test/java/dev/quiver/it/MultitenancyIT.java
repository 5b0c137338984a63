package dev.quiver.it;

import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.QueryFactory.nearest;
import static io.qdrant.client.ValueFactory.value;
import static io.qdrant.client.VectorsFactory.vectors;
import static io.qdrant.client.WithPayloadSelectorFactory.enable;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qdrant.client.PointIdFactory;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.ShardKeyFactory;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.KeywordIndexParams;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.ReplicatePoints;
import io.qdrant.client.grpc.Collections.UpdateCollectionClusterSetupRequest;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.ScoredPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Qdrant's multitenancy guide, as a user follows it: {@code payload_m} with {@code m: 0} (links
 * within each tenant only), a keyword index marked {@code is_tenant}, points of several users, and
 * searches filtered by user that return that user's points, ranked as an exact search ranks them;
 * {@code payload_m} shown and changed by {@code PATCH}. Over REST (answers checked against the
 * OpenAPI document) and through the official Java client.
 */
class MultitenancyIT extends SingleNodeFixture {

  @Test
  void theMultitenancyGuideOverRest() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        C,
        "/collections/tenants",
        "{\"vectors\":{\"size\":3,\"distance\":\"Cosine\"},\"hnsw_config\":{\"payload_m\":16,"
            + "\"m\":0,\"full_scan_threshold\":0},\"optimizers_config\":{\"indexing_threshold\":1}}");
    JsonNode hnsw =
        rest.call("GET", C, "/collections/tenants", null).result().at("/config/hnsw_config");
    assertThat(hnsw.get("payload_m").asInt()).isEqualTo(16);
    assertThat(hnsw.get("m").asInt()).isZero();
    rest.call(
        "PUT",
        C + "/index",
        "/collections/tenants/index?wait=true",
        "{\"field_name\":\"group_id\",\"field_schema\":{\"type\":\"keyword\",\"is_tenant\":true}}");
    rest.call(
        "PUT",
        C + "/points",
        "/collections/tenants/points?wait=true",
        "{\"points\":[{\"id\":1,\"payload\":{\"group_id\":\"user_1\"},\"vector\":[0.9,0.1,0.1]},"
            + "{\"id\":2,\"payload\":{\"group_id\":\"user_1\"},\"vector\":[0.1,0.9,0.1]},"
            + "{\"id\":3,\"payload\":{\"group_id\":\"user_2\"},\"vector\":[0.1,0.1,0.9]}]}");
    // more users, so that each one is a small share of the collection
    Random r = new Random(7);
    StringBuilder more = new StringBuilder("{\"points\":[");
    for (int i = 0; i < 600; i++) {
      more.append(i == 0 ? "" : ",")
          .append(
              String.format(
                  Locale.ROOT,
                  "{\"id\":%d,\"payload\":{\"group_id\":\"user_%d\"},\"vector\":[%f,%f,%f]}",
                  100 + i,
                  3 + i % 6,
                  r.nextFloat(),
                  r.nextFloat(),
                  r.nextFloat()));
    }
    rest.call(
        "PUT",
        C + "/points",
        "/collections/tenants/points?wait=true",
        more.append("]}").toString());

    String userOne =
        "{\"query\":[0.1,0.1,0.9],\"filter\":{\"must\":[{\"key\":\"group_id\",\"match\":"
            + "{\"value\":\"user_1\"}}]},\"limit\":10%s}";
    // the guide's answer: user_1's points only (both score 0.19 / (norms): a tie)
    assertThat(query(rest, userOne.formatted(""))).containsExactlyInAnyOrder(1L, 2L);

    for (int user = 3; user < 9; user++) {
      float[] q = {r.nextFloat(), r.nextFloat(), r.nextFloat()};
      String body =
          String.format(
              Locale.ROOT,
              "{\"query\":[%f,%f,%f],\"filter\":{\"must\":[{\"key\":\"group_id\",\"match\":"
                  + "{\"value\":\"user_%d\"}}]},\"limit\":10%%s}",
              q[0],
              q[1],
              q[2],
              user);
      List<Long> walked = query(rest, body.formatted(""));
      List<Long> exact = query(rest, body.formatted(",\"params\":{\"exact\":true}"));
      assertThat(walked).as("user_" + user).hasSize(10).isEqualTo(exact);
      for (long id : walked) {
        assertThat((id - 100) % 6 + 3).as("user_%d's point %d", user, id).isEqualTo(user);
      }
    }

    rest.call("PATCH", C, "/collections/tenants", "{\"hnsw_config\":{\"payload_m\":8}}");
    hnsw = rest.call("GET", C, "/collections/tenants", null).result().at("/config/hnsw_config");
    assertThat(hnsw.get("payload_m").asInt()).isEqualTo(8);
    assertThat(query(rest, userOne.formatted(""))).containsExactlyInAnyOrder(1L, 2L);
    // a collection that never set it shows none, as Qdrant does
    rest.call("PUT", C, "/collections/plain", "{\"vectors\":{\"size\":3,\"distance\":\"Dot\"}}");
    assertThat(
            rest.call("GET", C, "/collections/plain", null)
                .result()
                .at("/config/hnsw_config")
                .has("payload_m"))
        .isFalse();
  }

  /**
   * Qdrant's tiered multitenancy: tenants share a {@code default} shard key until one is promoted
   * to a key of its own by {@code replicate_points} (over REST, then through the Java client), its
   * points then deleted from the shared key; the promoted tenant's points are found under its key.
   */
  @Test
  void aTenantPromotedToItsOwnShardKey() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        C,
        "/collections/tiers",
        "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},\"sharding_method\":\"custom\"}");
    for (String key : List.of("default", "user_1", "user_2")) {
      rest.call(
          "PUT", C + "/shards", "/collections/tiers/shards", "{\"shard_key\":\"" + key + "\"}");
    }
    StringBuilder points = new StringBuilder("{\"shard_key\":\"default\",\"points\":[");
    for (int i = 0; i < 700; i++) {
      points
          .append(i == 0 ? "" : ",")
          .append(
              String.format(
                  Locale.ROOT,
                  "{\"id\":%d,\"payload\":{\"group_id\":\"user_%d\"},\"vector\":[1,%d]}",
                  i,
                  i % 5,
                  i));
    }
    rest.call(
        "PUT",
        C + "/points",
        "/collections/tiers/points?wait=true",
        points.append("]}").toString());
    String user1 = "{\"must\":[{\"key\":\"group_id\",\"match\":{\"value\":\"user_1\"}}]}";
    rest.call(
        "POST",
        C + "/cluster",
        "/collections/tiers/cluster",
        "{\"replicate_points\":{\"filter\":"
            + user1
            + ",\"from_shard_key\":\"default\",\"to_shard_key\":\"user_1\"}}");
    assertThat(count(rest, "user_1", null)).isEqualTo(140);
    assertThat(count(rest, "default", user1)).isEqualTo(140);
    rest.call(
        "POST",
        C + "/points/delete",
        "/collections/tiers/points/delete?wait=true",
        "{\"shard_key\":\"default\",\"filter\":" + user1 + "}");
    assertThat(count(rest, "default", null)).isEqualTo(560);
    assertThat(count(rest, null, user1)).isEqualTo(140);
    rest.refused(
        "POST",
        "/collections/tiers/cluster",
        "{\"replicate_points\":{\"from_shard_key\":\"default\",\"to_shard_key\":\"nobody\"}}",
        404,
        "Shard key nobody not found");

    try (QdrantClient client =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", node.grpcPort, false, true).build())) {
      client
          .updateCollectionClusterSetupAsync(
              UpdateCollectionClusterSetupRequest.newBuilder()
                  .setCollectionName("tiers")
                  .setReplicatePoints(
                      ReplicatePoints.newBuilder()
                          .setFromShardKey(ShardKeyFactory.shardKey("default"))
                          .setToShardKey(ShardKeyFactory.shardKey("user_2"))
                          .setFilter(
                              Filter.newBuilder().addMust(matchKeyword("group_id", "user_2"))))
                  .build())
          .get();
    }
    assertThat(count(rest, "user_2", null)).isEqualTo(140);
    assertThat(count(rest, "default", null)).isEqualTo(560);
  }

  /** How many points pass {@code filter} (a JSON filter or null) under {@code shardKey}. */
  private static long count(Rest rest, String shardKey, String filter) throws Exception {
    String body =
        "{\"exact\":true"
            + (shardKey == null ? "" : ",\"shard_key\":\"" + shardKey + "\"")
            + (filter == null ? "" : ",\"filter\":" + filter)
            + "}";
    return rest.call("POST", C + "/points/count", "/collections/tiers/points/count", body)
        .result()
        .get("count")
        .asLong();
  }

  /** The ids a query of collection {@code tenants} answers, in its order. */
  private static List<Long> query(Rest rest, String body) throws Exception {
    return ids(
        rest.call("POST", C + "/points/query", "/collections/tenants/points/query", body)
            .result()
            .get("points"));
  }

  @Test
  void theMultitenancyGuideThroughTheJavaClient() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
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
                              VectorParams.newBuilder().setSize(3).setDistance(Distance.Cosine)))
                  .setHnswConfig(HnswConfigDiff.newBuilder().setPayloadM(16).setM(0))
                  .build())
          .get();
      client
          .createPayloadIndexAsync(
              "g",
              "group_id",
              PayloadSchemaType.Keyword,
              PayloadIndexParams.newBuilder()
                  .setKeywordIndexParams(KeywordIndexParams.newBuilder().setIsTenant(true))
                  .build(),
              true,
              null,
              null)
          .get();
      List<PointStruct> points = new ArrayList<>();
      Random r = new Random(11);
      for (int i = 0; i < 300; i++) {
        points.add(
            PointStruct.newBuilder()
                .setId(PointIdFactory.id(i))
                .setVectors(vectors(r.nextFloat(), r.nextFloat(), r.nextFloat()))
                .putAllPayload(Map.of("group_id", value("user_" + i % 3)))
                .build());
      }
      client.upsertAsync("g", points).get();
      List<ScoredPoint> found =
          client
              .queryAsync(
                  QueryPoints.newBuilder()
                      .setCollectionName("g")
                      .setQuery(nearest(0.5f, 0.5f, 0.5f))
                      .setFilter(Filter.newBuilder().addMust(matchKeyword("group_id", "user_2")))
                      .setLimit(5)
                      .setWithPayload(enable(true))
                      .build())
              .get();
      assertThat(found).hasSize(5);
      assertThat(found)
          .allSatisfy(
              p ->
                  assertThat(p.getPayloadMap().get("group_id").getStringValue())
                      .isEqualTo("user_2"));
      assertThat(client.getCollectionInfoAsync("g").get().getConfig().getHnswConfig().getPayloadM())
          .isEqualTo(16);
    }
  }
}
