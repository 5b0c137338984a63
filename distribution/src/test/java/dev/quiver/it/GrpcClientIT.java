package dev.quiver.it;

import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.QueryFactory.nearest;
import static io.qdrant.client.ValueFactory.value;
import static io.qdrant.client.VectorFactory.vector;
import static io.qdrant.client.VectorsFactory.namedVectors;
import static io.qdrant.client.VectorsFactory.vectors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.QueryFactory;
import io.qdrant.client.VectorInputFactory;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Points.FeedbackItem;
import io.qdrant.client.grpc.Points.FeedbackStrategy;
import io.qdrant.client.grpc.Points.NaiveFeedbackStrategy;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.RelevanceFeedbackInput;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.SearchPoints;
import io.qdrant.client.grpc.Points.UpdateStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The slice through the official Qdrant Java client (gRPC), against the packaged server. */
class GrpcClientIT {
  @TempDir Path work;
  QuiverProcess node;
  QdrantClient client;

  @BeforeEach
  void start() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    client =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", node.grpcPort, false, true).build());
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    node.close();
  }

  private static Status.Code codeOf(Throwable t) {
    Throwable c = t instanceof ExecutionException ? t.getCause() : t;
    assertThat(c).isInstanceOf(StatusRuntimeException.class);
    return ((StatusRuntimeException) c).getStatus().getCode();
  }

  @Test
  void healthChecks() throws Exception {
    var reply = client.healthCheckAsync().get();
    assertThat(reply.getTitle()).isEqualTo("qdrant - vector search engine");
    assertThat(reply.getVersion()).matches("\\d+\\.\\d+\\.\\d+");
    ManagedChannel ch =
        ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort).usePlaintext().build();
    try {
      var status =
          HealthGrpc.newBlockingStub(ch).check(HealthCheckRequest.getDefaultInstance()).getStatus();
      assertThat(status).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void collectionsAndPoints() throws Exception {
    client
        .createCollectionAsync(
            "c", VectorParams.newBuilder().setSize(3).setDistance(Distance.Cosine).build())
        .get();
    client
        .createCollectionAsync(
            "n",
            Map.of(
                "a", VectorParams.newBuilder().setSize(2).setDistance(Distance.Euclid).build(),
                "b", VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot).build()))
        .get();
    assertThat(client.listCollectionsAsync().get()).containsExactlyInAnyOrder("c", "n");
    assertThat(client.collectionExistsAsync("c").get()).isTrue();
    assertThat(client.collectionExistsAsync("zzz").get()).isFalse();

    UUID uuid = UUID.randomUUID();
    var result =
        client
            .upsertAsync(
                "c",
                List.of(
                    PointStruct.newBuilder()
                        .setId(id(1))
                        .setVectors(vectors(1f, 0f, 0f))
                        .putAllPayload(
                            Map.of("city", value("Berlin"), "n", value(7), "ok", value(true)))
                        .build(),
                    PointStruct.newBuilder()
                        .setId(id(uuid))
                        .setVectors(vectors(0f, 1f, 0f))
                        .build(),
                    PointStruct.newBuilder().setId(id(3)).setVectors(vectors(0f, 0f, 5f)).build()))
            .get();
    assertThat(result.getStatus()).isEqualTo(UpdateStatus.Completed);

    CollectionInfo info = client.getCollectionInfoAsync("c").get();
    assertThat(info.getPointsCount()).isEqualTo(3);
    assertThat(info.getConfig().getParams().getVectorsConfig().getParams().getSize()).isEqualTo(3);
    assertThat(info.getConfig().getParams().getVectorsConfig().getParams().getDistance())
        .isEqualTo(Distance.Cosine);
    assertThat(
            client
                .getCollectionInfoAsync("n")
                .get()
                .getConfig()
                .getParams()
                .getVectorsConfig()
                .getParamsMap()
                .getMapMap())
        .containsOnlyKeys("a", "b");

    List<RetrievedPoint> got =
        client.retrieveAsync("c", List.of(id(1), id(uuid), id(42)), true, true, null).get();
    assertThat(got).hasSize(2);
    assertThat(got.get(0).getPayloadMap().get("city").getStringValue()).isEqualTo("Berlin");
    assertThat(got.get(0).getPayloadMap().get("n").getIntegerValue()).isEqualTo(7);
    assertThat(got.get(0).getVectors().getVector().getDense().getDataList())
        .containsExactly(1f, 0f, 0f);
    assertThat(got.get(1).getId().getUuid()).isEqualTo(uuid.toString());

    List<ScoredPoint> hits =
        client
            .searchAsync(
                SearchPoints.newBuilder()
                    .setCollectionName("c")
                    .addAllVector(List.of(0.1f, 0.9f, 0f))
                    .setLimit(2)
                    .setWithPayload(WithPayloadSelectorFactory.enable(true))
                    .build())
            .get();
    assertThat(hits).hasSize(2);
    assertThat(hits.get(0).getId().getUuid()).isEqualTo(uuid.toString());

    List<ScoredPoint> q =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("c")
                    .setQuery(nearest(0f, 0f, 1f))
                    .setLimit(1)
                    .setWithVectors(WithVectorsSelectorFactory.enable(true))
                    .build())
            .get();
    assertThat(q).hasSize(1);
    assertThat(q.get(0).getId().getNum()).isEqualTo(3);
    assertThat(q.get(0).getVectors().getVector().getDense().getDataList())
        .containsExactly(0f, 0f, 1f);

    List<ScoredPoint> filtered =
        client
            .searchAsync(
                SearchPoints.newBuilder()
                    .setCollectionName("c")
                    .addAllVector(List.of(0.1f, 0.9f, 0f))
                    .setLimit(3)
                    .setFilter(
                        io.qdrant.client.grpc.Common.Filter.newBuilder()
                            .addMust(
                                io.qdrant.client.ConditionFactory.matchKeyword("city", "Berlin")))
                    .build())
            .get();
    assertThat(filtered).hasSize(1);
    assertThat(filtered.get(0).getId().getNum()).isEqualTo(1);
    List<ScoredPoint> ranged =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("c")
                    .setQuery(nearest(0f, 1f, 0f))
                    .setFilter(
                        io.qdrant.client.grpc.Common.Filter.newBuilder()
                            .addMust(
                                io.qdrant.client.ConditionFactory.range(
                                    "n",
                                    io.qdrant.client.grpc.Common.Range.newBuilder()
                                        .setGte(7)
                                        .build())))
                    .build())
            .get();
    assertThat(ranged).extracting(p -> p.getId().getNum()).containsExactly(1L);
    var scrolled =
        client
            .scrollAsync(
                io.qdrant.client.grpc.Points.ScrollPoints.newBuilder()
                    .setCollectionName("c")
                    .setLimit(2)
                    .build())
            .get();
    assertThat(scrolled.getResultList())
        .extracting(p -> p.getId().getNum())
        .containsExactly(1L, 3L);
    assertThat(scrolled.getNextPageOffset().getUuid()).isEqualTo(uuid.toString());
    assertThat(
            client
                .countAsync(
                    "c",
                    io.qdrant.client.grpc.Common.Filter.newBuilder()
                        .addMust(io.qdrant.client.ConditionFactory.matchKeyword("city", "Berlin"))
                        .build(),
                    true)
                .get())
        .isEqualTo(1L);
    client
        .setPayloadAsync(
            "c",
            Map.of("city", value("Paris")),
            io.qdrant.client.grpc.Common.Filter.newBuilder()
                .addMust(io.qdrant.client.ConditionFactory.matchKeyword("city", "Berlin"))
                .build(),
            true,
            null,
            null)
        .get();
    assertThat(
            client
                .retrieveAsync("c", id(1), true, false, null)
                .get()
                .get(0)
                .getPayloadMap()
                .get("city")
                .getStringValue())
        .isEqualTo("Paris");

    client
        .upsertAsync(
            "n",
            List.of(
                PointStruct.newBuilder()
                    .setId(id(5))
                    .setVectors(namedVectors(Map.of("a", vector(1f, 1f), "b", vector(2f, 0f))))
                    .build()))
        .get();
    List<ScoredPoint> named =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("n")
                    .setQuery(nearest(1f, 2f))
                    .setUsing("a")
                    .setLimit(3)
                    .build())
            .get();
    assertThat(named).hasSize(1);
    assertThat(named.get(0).getScore()).isEqualTo(1.0f); // Euclid distance from (1,2) to (1,1)

    client.deleteAsync("c", List.of(id(1), id(uuid))).get();
    assertThat(client.getCollectionInfoAsync("c").get().getPointsCount()).isEqualTo(1);
    assertThat(client.deleteCollectionAsync("c").get().getResult()).isTrue();
    assertThat(client.listCollectionsAsync().get()).containsExactly("n");
  }

  @Test
  void errorsMapToQdrantsStatusCodes() throws Exception {
    client
        .createCollectionAsync(
            "c", VectorParams.newBuilder().setSize(3).setDistance(Distance.Dot).build())
        .get();
    assertThatThrownBy(
            () ->
                client
                    .createCollectionAsync(
                        "c", VectorParams.newBuilder().setSize(3).setDistance(Distance.Dot).build())
                    .get())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.ALREADY_EXISTS));
    assertThatThrownBy(() -> client.getCollectionInfoAsync("nope").get())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(
            () ->
                client
                    .upsertAsync(
                        "nope",
                        List.of(
                            PointStruct.newBuilder()
                                .setId(id(1))
                                .setVectors(vectors(1f, 2f, 3f))
                                .build()))
                    .get())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(
            () ->
                client
                    .upsertAsync(
                        "c",
                        List.of(
                            PointStruct.newBuilder()
                                .setId(id(1))
                                .setVectors(vectors(1f, 2f))
                                .build()))
                    .get())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("Vector dimension error: expected dim: 3, got 2");
    assertThatThrownBy(
            () ->
                client
                    .queryAsync(
                        QueryPoints.newBuilder()
                            .setCollectionName("c")
                            .setQuery(nearest(1f))
                            .build())
                    .get())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(
            () ->
                client
                    .createCollectionAsync(
                        "bad/name",
                        VectorParams.newBuilder().setSize(3).setDistance(Distance.Dot).build())
                    .get())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(client.getCollectionInfoAsync("c").get().getPointsCount()).isZero();
  }

  @Test
  void restAndGrpcShareOneApplicationLayer() throws Exception {
    Rest rest = new Rest(node.httpPort, new OpenApiValidator());
    rest.call(
        "PUT",
        "/collections/{collection_name}",
        "/collections/shared",
        "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    rest.call(
        "PUT",
        "/collections/{collection_name}/points",
        "/collections/shared/points?wait=true",
        "{\"points\":[{\"id\":9,\"vector\":[1,2],\"payload\":{\"from\":\"rest\"}}]}");
    var viaGrpc = client.retrieveAsync("shared", id(9), true, false, null).get();
    assertThat(viaGrpc.getFirst().getPayloadMap().get("from").getStringValue()).isEqualTo("rest");
    client
        .upsertAsync(
            "shared",
            List.of(
                PointStruct.newBuilder()
                    .setId(id(10))
                    .setVectors(vectors(3f, 4f))
                    .putPayload("from", value("grpc"))
                    .build()))
        .get();
    var viaRest =
        rest.call(
                "POST",
                "/collections/{collection_name}/points",
                "/collections/shared/points",
                "{\"ids\":[10]}")
            .result();
    assertThat(viaRest.get(0).at("/payload/from").asText()).isEqualTo("grpc");
  }

  @Test
  void aliasesAndFieldIndexesThroughTheJavaClient() throws Exception {
    client
        .createCollectionAsync(
            "books", VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot).build())
        .get();
    client.createAliasAsync("library", "books").get();
    assertThat(client.listAliasesAsync().get())
        .extracting(a -> a.getAliasName() + "->" + a.getCollectionName())
        .containsExactly("library->books");
    assertThat(client.listCollectionAliasesAsync("books").get()).containsExactly("library");
    client
        .upsertAsync(
            "library",
            List.of(
                PointStruct.newBuilder()
                    .setId(id(1))
                    .setVectors(vectors(1f, 0f))
                    .putAllPayload(Map.of("genre", value("poetry")))
                    .build()))
        .get();
    assertThat(client.countAsync("books").get()).isEqualTo(1);
    client
        .createPayloadIndexAsync(
            "library",
            "genre",
            io.qdrant.client.grpc.Collections.PayloadSchemaType.Keyword,
            null,
            true,
            null,
            null)
        .get();
    var schema = client.getCollectionInfoAsync("library").get().getPayloadSchemaMap();
    assertThat(schema.get("genre").getDataType())
        .isEqualTo(io.qdrant.client.grpc.Collections.PayloadSchemaType.Keyword);
    assertThat(schema.get("genre").getPoints()).isEqualTo(1);
    var facets =
        client
            .facetAsync(
                io.qdrant.client.grpc.Points.FacetCounts.newBuilder()
                    .setCollectionName("library")
                    .setKey("genre")
                    .build())
            .get();
    assertThat(facets)
        .extracting(h -> h.getValue().getStringValue() + "=" + h.getCount())
        .containsExactly("poetry=1");
    var grouped =
        client
            .queryGroupsAsync(
                io.qdrant.client.grpc.Points.QueryPointGroups.newBuilder()
                    .setCollectionName("library")
                    .setQuery(nearest(1f, 0f))
                    .setGroupBy("genre")
                    .setGroupSize(1)
                    .setLimit(3)
                    .build())
            .get();
    assertThat(grouped).hasSize(1);
    assertThat(grouped.getFirst().getId().getStringValue()).isEqualTo("poetry");
    client.deletePayloadIndexAsync("books", "genre", true, null, null).get();
    assertThat(client.getCollectionInfoAsync("books").get().getPayloadSchemaMap()).isEmpty();
    // batches: updates in order, one result list per search
    var updated =
        client
            .batchUpdateAsync(
                "library",
                List.of(
                    io.qdrant.client.grpc.Points.PointsUpdateOperation.newBuilder()
                        .setUpsert(
                            io.qdrant.client.grpc.Points.PointsUpdateOperation.PointStructList
                                .newBuilder()
                                .addPoints(
                                    PointStruct.newBuilder()
                                        .setId(id(2))
                                        .setVectors(vectors(0f, 1f))
                                        .build()))
                        .build(),
                    io.qdrant.client.grpc.Points.PointsUpdateOperation.newBuilder()
                        .setDeletePoints(
                            io.qdrant.client.grpc.Points.PointsUpdateOperation.DeletePoints
                                .newBuilder()
                                .setPoints(
                                    io.qdrant.client.grpc.Points.PointsSelector.newBuilder()
                                        .setPoints(
                                            io.qdrant.client.grpc.Points.PointsIdsList.newBuilder()
                                                .addIds(id(1)))))
                        .build()),
                true,
                null,
                null)
            .get();
    assertThat(updated).hasSize(2);
    var batch =
        client
            .searchBatchAsync(
                "library",
                List.of(
                    SearchPoints.newBuilder().addAllVector(List.of(0f, 1f)).setLimit(5).build(),
                    SearchPoints.newBuilder().addAllVector(List.of(1f, 0f)).setLimit(1).build()),
                null)
            .get();
    assertThat(batch).hasSize(2);
    assertThat(batch.get(0).getResultList())
        .extracting(p -> p.getId().getNum())
        .containsExactly(2L);
    client
        .upsertAsync(
            "library",
            List.of(
                PointStruct.newBuilder().setId(id(3)).setVectors(vectors(0.9f, 0.1f)).build(),
                PointStruct.newBuilder().setId(id(4)).setVectors(vectors(0.1f, 0.9f)).build()))
        .get();
    var recommended =
        client
            .recommendAsync(
                io.qdrant.client.grpc.Points.RecommendPoints.newBuilder()
                    .setCollectionName("library")
                    .addPositive(id(2))
                    .setLimit(2)
                    .build())
            .get();
    assertThat(recommended).extracting(p -> p.getId().getNum()).containsExactly(4L, 3L);
    var nearestToPoint =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("library")
                    .setQuery(io.qdrant.client.QueryFactory.nearest(id(3)))
                    .setLimit(1)
                    .build())
            .get();
    assertThat(nearestToPoint).extracting(p -> p.getId().getNum()).containsExactly(4L);
    client
        .updateVectorsAsync(
            "library",
            List.of(
                io.qdrant.client.grpc.Points.PointVectors.newBuilder()
                    .setId(id(2))
                    .setVectors(vectors(5f, 5f))
                    .build()),
            true,
            null,
            null)
        .get();
    var moved = client.retrieveAsync("library", id(2), false, true, null).get();
    assertThat(moved.getFirst().getVectors().getVector().getDense().getDataList())
        .containsExactly(5f, 5f);
    client.renameAliasAsync("library", "shelf").get();
    client.deleteAliasAsync("shelf").get();
    assertThat(client.listAliasesAsync().get()).isEmpty();
    assertThat(codeOf(catchThrowable(() -> client.deleteAliasAsync("shelf").get())))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void prefetchFusionDiscoverAndLookupsThroughTheJavaClient() throws Exception {
    client
        .createCollectionAsync(
            "circle", VectorParams.newBuilder().setSize(2).setDistance(Distance.Cosine).build())
        .get();
    client
        .createCollectionAsync(
            "cities", VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot).build())
        .get();
    List<PointStruct> points = new java.util.ArrayList<>();
    for (int i = 0; i < 36; i++) {
      double a = Math.toRadians(i * 10);
      points.add(
          PointStruct.newBuilder()
              .setId(id(i))
              .setVectors(vectors((float) Math.cos(a), (float) Math.sin(a)))
              .putAllPayload(Map.of("deg", value(i * 10L), "city", value(i % 3)))
              .build());
    }
    client.upsertAsync("circle", points).get();
    client
        .upsertAsync(
            "cities",
            List.of(
                PointStruct.newBuilder()
                    .setId(id(0))
                    .setVectors(vectors(0f, 0f))
                    .putAllPayload(Map.of("name", value("Oslo")))
                    .build(),
                PointStruct.newBuilder()
                    .setId(id(1))
                    .setVectors(vectors(0f, 0f))
                    .putAllPayload(Map.of("name", value("Lima")))
                    .build(),
                PointStruct.newBuilder()
                    .setId(id(2))
                    .setVectors(vectors(0f, 0f))
                    .putAllPayload(Map.of("name", value("Pune")))
                    .build()))
        .get();
    var fused =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("circle")
                    .addPrefetch(
                        io.qdrant.client.grpc.Points.PrefetchQuery.newBuilder()
                            .setQuery(nearest(1f, 0f))
                            .setLimit(3))
                    .addPrefetch(
                        io.qdrant.client.grpc.Points.PrefetchQuery.newBuilder()
                            .setQuery(nearest(0f, 1f))
                            .setLimit(3))
                    .setQuery(
                        io.qdrant.client.QueryFactory.fusion(
                            io.qdrant.client.grpc.Points.Fusion.RRF))
                    .setLimit(6)
                    .build())
            .get();
    assertThat(fused)
        .extracting(p -> p.getId().getNum())
        .containsExactlyInAnyOrder(0L, 1L, 35L, 9L, 8L, 10L);
    assertThat(fused.getFirst().getScore()).isEqualTo(0.5f);
    // relevance feedback (naive): cos(t) + 2 sin(t) peaks between points 6 and 7
    var feedback =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("circle")
                    .setQuery(
                        QueryFactory.relevanceFeedback(
                            RelevanceFeedbackInput.newBuilder()
                                .setTarget(VectorInputFactory.vectorInput(1f, 0f))
                                .addFeedback(
                                    FeedbackItem.newBuilder()
                                        .setExample(VectorInputFactory.vectorInput(id(9)))
                                        .setScore(1f))
                                .addFeedback(
                                    FeedbackItem.newBuilder()
                                        .setExample(VectorInputFactory.vectorInput(id(27)))
                                        .setScore(0f))
                                .setStrategy(
                                    FeedbackStrategy.newBuilder()
                                        .setNaive(
                                            NaiveFeedbackStrategy.newBuilder()
                                                .setA(1f)
                                                .setB(1f)
                                                .setC(1f)))
                                .build()))
                    .setLimit(2)
                    .build())
            .get();
    assertThat(feedback).extracting(p -> p.getId().getNum()).containsExactly(6L, 7L);
    var discovered =
        client
            .discoverAsync(
                io.qdrant.client.grpc.Points.DiscoverPoints.newBuilder()
                    .setCollectionName("circle")
                    .setTarget(io.qdrant.client.TargetVectorFactory.targetVector(vector(0f, 1f)))
                    .addContext(
                        io.qdrant.client.grpc.Points.ContextExamplePair.newBuilder()
                            .setPositive(
                                io.qdrant.client.grpc.Points.VectorExample.newBuilder()
                                    .setId(id(18)))
                            .setNegative(
                                io.qdrant.client.grpc.Points.VectorExample.newBuilder()
                                    .setId(id(0))))
                    .setLimit(3)
                    .build())
            .get();
    assertThat(discovered).hasSize(3);
    assertThat(discovered).allMatch(p -> p.getId().getNum() >= 10 && p.getId().getNum() <= 17);
    client
        .createPayloadIndexAsync(
            "circle",
            "deg",
            io.qdrant.client.grpc.Collections.PayloadSchemaType.Integer,
            null,
            true,
            null,
            null)
        .get();
    var ordered =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("circle")
                    .setQuery(io.qdrant.client.QueryFactory.orderBy("deg"))
                    .setLimit(2)
                    .build())
            .get();
    assertThat(ordered).extracting(p -> p.getOrderValue().getInt()).containsExactly(0L, 10L);
    var best =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("circle")
                    .setQuery(
                        io.qdrant.client.QueryFactory.recommend(
                            io.qdrant.client.grpc.Points.RecommendInput.newBuilder()
                                .addPositive(io.qdrant.client.VectorInputFactory.vectorInput(id(9)))
                                .addNegative(
                                    io.qdrant.client.VectorInputFactory.vectorInput(id(27)))
                                .setStrategy(
                                    io.qdrant.client.grpc.Points.RecommendStrategy.BestScore)
                                .build()))
                    .setLimit(2)
                    .build())
            .get();
    assertThat(best).extracting(p -> p.getId().getNum()).containsExactlyInAnyOrder(8L, 10L);
    var groups =
        client
            .queryGroupsAsync(
                io.qdrant.client.grpc.Points.QueryPointGroups.newBuilder()
                    .setCollectionName("circle")
                    .setQuery(nearest(1f, 0f))
                    .setGroupBy("city")
                    .setGroupSize(2)
                    .setLimit(3)
                    .setWithLookup(
                        io.qdrant.client.grpc.Points.WithLookup.newBuilder()
                            .setCollection("cities")
                            .setWithPayload(WithPayloadSelectorFactory.enable(true)))
                    .build())
            .get();
    assertThat(groups).hasSize(3);
    for (var g : groups) {
      String name = List.of("Oslo", "Lima", "Pune").get((int) g.getId().getUnsignedValue());
      assertThat(g.getLookup().getPayloadMap().get("name").getStringValue()).isEqualTo(name);
    }
    // a named vector added to and deleted from an existing collection through the client
    client
        .createCollectionAsync(
            "multi",
            Map.of("text", VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot).build()))
        .get();
    var added =
        client
            .createVectorNameAsync(
                io.qdrant.client.grpc.Points.CreateVectorNameRequest.newBuilder()
                    .setCollectionName("multi")
                    .setVectorName("extra")
                    .setDenseConfig(
                        io.qdrant.client.grpc.Points.DenseVectorCreationConfig.newBuilder()
                            .setSize(4)
                            .setDistance(Distance.Dot))
                    .build())
            .get();
    assertThat(added.getStatus()).isEqualTo(UpdateStatus.Completed);
    assertThat(
            client
                .getCollectionInfoAsync("multi")
                .get()
                .getConfig()
                .getParams()
                .getVectorsConfig()
                .getParamsMap()
                .getMapMap())
        .containsKeys("text", "extra");
    // the unnamed vector of "cities" takes no named companions
    assertThat(
            codeOf(
                catchThrowable(
                    () ->
                        client
                            .createVectorNameAsync(
                                io.qdrant.client.grpc.Points.CreateVectorNameRequest.newBuilder()
                                    .setCollectionName("cities")
                                    .setVectorName("extra")
                                    .setDenseConfig(
                                        io.qdrant.client.grpc.Points.DenseVectorCreationConfig
                                            .newBuilder()
                                            .setSize(4)
                                            .setDistance(Distance.Dot))
                                    .build())
                            .get())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            codeOf(
                catchThrowable(
                    () ->
                        client
                            .deleteVectorNameAsync(
                                io.qdrant.client.grpc.Points.DeleteVectorNameRequest.newBuilder()
                                    .setCollectionName("multi")
                                    .setVectorName("missing")
                                    .build())
                            .get())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(
            codeOf(
                catchThrowable(
                    () ->
                        client
                            .queryAsync(
                                QueryPoints.newBuilder()
                                    .setCollectionName("circle")
                                    .setQuery(
                                        io.qdrant.client.QueryFactory.fusion(
                                            io.qdrant.client.grpc.Points.Fusion.DBSF))
                                    .build())
                            .get())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    // update_filter: point 1 (city 1) is replaced, point 2 (city 2) keeps its payload
    client
        .upsertAsync(
            io.qdrant.client.grpc.Points.UpsertPoints.newBuilder()
                .setCollectionName("circle")
                .setWait(true)
                .addAllPoints(
                    List.of(
                        PointStruct.newBuilder()
                            .setId(id(1))
                            .setVectors(vectors(1f, 0f))
                            .putAllPayload(Map.of("deg", value(-1)))
                            .build(),
                        PointStruct.newBuilder()
                            .setId(id(2))
                            .setVectors(vectors(1f, 0f))
                            .putAllPayload(Map.of("deg", value(-1)))
                            .build()))
                .setUpdateFilter(
                    io.qdrant.client.grpc.Common.Filter.newBuilder()
                        .addMust(io.qdrant.client.ConditionFactory.match("city", 1)))
                .build())
        .get();
    var kept = client.retrieveAsync("circle", List.of(id(1), id(2)), true, false, null).get();
    assertThat(kept)
        .extracting(p -> p.getPayloadMap().get("deg").getIntegerValue())
        .containsExactly(-1L, 20L);
  }

  @Test
  void shardKeysThroughTheJavaClient() throws Exception {
    client
        .createCollectionAsync(
            io.qdrant.client.grpc.Collections.CreateCollection.newBuilder()
                .setCollectionName("keyed")
                .setVectorsConfig(
                    io.qdrant.client.grpc.Collections.VectorsConfig.newBuilder()
                        .setParams(VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot)))
                .setShardingMethod(io.qdrant.client.grpc.Collections.ShardingMethod.Custom)
                .build())
        .get();
    for (String key : new String[] {"red", "blue"}) {
      assertThat(
              client
                  .createShardKeyAsync(
                      io.qdrant.client.grpc.Collections.CreateShardKeyRequest.newBuilder()
                          .setCollectionName("keyed")
                          .setRequest(
                              io.qdrant.client.grpc.Collections.CreateShardKey.newBuilder()
                                  .setShardKey(io.qdrant.client.ShardKeyFactory.shardKey(key)))
                          .build())
                  .get()
                  .getResult())
          .isTrue();
    }
    client
        .updateCollectionAsync(
            io.qdrant.client.grpc.Collections.UpdateCollection.newBuilder()
                .setCollectionName("keyed")
                .setOptimizersConfig(
                    io.qdrant.client.grpc.Collections.OptimizersConfigDiff.newBuilder()
                        .setIndexingThreshold(0))
                .build())
        .get();
    assertThat(
            client
                .getCollectionInfoAsync("keyed")
                .get()
                .getConfig()
                .getOptimizerConfig()
                .getIndexingThreshold())
        .isZero();
    assertThat(client.listShardKeysAsync("keyed").get())
        .extracting(d -> d.getKey().getKeyword())
        .containsExactly("blue", "red");
    assertThat(
            client
                .getCollectionInfoAsync("keyed")
                .get()
                .getConfig()
                .getParams()
                .getShardingMethod())
        .isEqualTo(io.qdrant.client.grpc.Collections.ShardingMethod.Custom);
    for (int i = 0; i < 6; i++) {
      client
          .upsertAsync(
              io.qdrant.client.grpc.Points.UpsertPoints.newBuilder()
                  .setCollectionName("keyed")
                  .setWait(true)
                  .addPoints(
                      PointStruct.newBuilder()
                          .setId(id(i))
                          .setVectors(vectors(1f, (float) i))
                          .build())
                  .setShardKeySelector(
                      io.qdrant.client.ShardKeySelectorFactory.shardKeySelector(
                          i % 3 == 0 ? "red" : "blue"))
                  .build())
          .get();
    }
    List<ScoredPoint> red =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("keyed")
                    .setQuery(nearest(0f, 1f))
                    .setLimit(10)
                    .setShardKeySelector(
                        io.qdrant.client.ShardKeySelectorFactory.shardKeySelector("red"))
                    .build())
            .get();
    assertThat(red).extracting(p -> p.getId().getNum()).containsExactly(3L, 0L);
    assertThat(red).allSatisfy(p -> assertThat(p.getShardKey().getKeyword()).isEqualTo("red"));
    var blue =
        client
            .scrollAsync(
                io.qdrant.client.grpc.Points.ScrollPoints.newBuilder()
                    .setCollectionName("keyed")
                    .setLimit(100)
                    .setShardKeySelector(
                        io.qdrant.client.ShardKeySelectorFactory.shardKeySelector("blue"))
                    .build())
            .get()
            .getResultList();
    assertThat(blue).extracting(p -> p.getId().getNum()).containsExactly(1L, 2L, 4L, 5L);
    assertThat(blue).allSatisfy(p -> assertThat(p.getShardKey().getKeyword()).isEqualTo("blue"));
    var info = client.getCollectionClusterInfoAsync("keyed").get();
    assertThat(info.getShardCount()).isEqualTo(2);
    assertThat(info.getLocalShardsList())
        .extracting(l -> l.getShardKey().getKeyword())
        .containsExactlyInAnyOrder("red", "blue");
    // a write without a key is refused, as is an unknown key
    assertThat(
            codeOf(
                catchThrowable(
                    () ->
                        client
                            .upsertAsync(
                                "keyed",
                                List.of(
                                    PointStruct.newBuilder()
                                        .setId(id(9))
                                        .setVectors(vectors(1f, 1f))
                                        .build()))
                            .get())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            codeOf(
                catchThrowable(
                    () ->
                        client
                            .deleteShardKeyAsync(
                                io.qdrant.client.grpc.Collections.DeleteShardKeyRequest.newBuilder()
                                    .setCollectionName("keyed")
                                    .setRequest(
                                        io.qdrant.client.grpc.Collections.DeleteShardKey
                                            .newBuilder()
                                            .setShardKey(
                                                io.qdrant.client.ShardKeyFactory.shardKey("green")))
                                    .build())
                            .get())))
        .isEqualTo(Status.Code.NOT_FOUND);
    client
        .deleteShardKeyAsync(
            io.qdrant.client.grpc.Collections.DeleteShardKeyRequest.newBuilder()
                .setCollectionName("keyed")
                .setRequest(
                    io.qdrant.client.grpc.Collections.DeleteShardKey.newBuilder()
                        .setShardKey(io.qdrant.client.ShardKeyFactory.shardKey("red")))
                .build())
        .get();
    assertThat(client.countAsync("keyed").get()).isEqualTo(4);
  }

  @Test
  void snapshotsThroughTheJavaClient() throws Exception {
    client
        .createCollectionAsync(
            "snaps", VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot).build())
        .get();
    var made = client.createSnapshotAsync("snaps").get();
    assertThat(made.getName()).startsWith("snaps-");
    assertThat(made.getChecksum()).hasSize(64);
    assertThat(client.listSnapshotAsync("snaps").get())
        .extracting(d -> d.getName())
        .containsExactly(made.getName());
    client.deleteSnapshotAsync("snaps", made.getName()).get();
    assertThat(client.listSnapshotAsync("snaps").get()).isEmpty();
    assertThat(
            codeOf(catchThrowable(() -> client.deleteSnapshotAsync("snaps", made.getName()).get())))
        .isEqualTo(Status.Code.NOT_FOUND);
    var full = client.createFullSnapshotAsync().get();
    assertThat(client.listFullSnapshotAsync().get())
        .extracting(d -> d.getName())
        .contains(full.getName());
    client.deleteFullSnapshotAsync(full.getName()).get();
    assertThat(client.listFullSnapshotAsync().get()).isEmpty();
  }

  /**
   * The hybrid example as a Qdrant user writes it with this client: a dense and a sparse vector,
   * points with both, and a query fusing a dense and a sparse prefetch with RRF.
   */
  @Test
  void hybridSearchWithDenseAndSparseVectors() throws Exception {
    client
        .createCollectionAsync(
            io.qdrant.client.grpc.Collections.CreateCollection.newBuilder()
                .setCollectionName("hybrid")
                .setVectorsConfig(
                    io.qdrant.client.grpc.Collections.VectorsConfig.newBuilder()
                        .setParamsMap(
                            io.qdrant.client.grpc.Collections.VectorParamsMap.newBuilder()
                                .putMap(
                                    "dense",
                                    VectorParams.newBuilder()
                                        .setSize(4)
                                        .setDistance(Distance.Cosine)
                                        .build())))
                .setSparseVectorsConfig(
                    io.qdrant.client.grpc.Collections.SparseVectorConfig.newBuilder()
                        .putMap(
                            "text",
                            io.qdrant.client.grpc.Collections.SparseVectorParams.newBuilder()
                                .setIndex(
                                    io.qdrant.client.grpc.Collections.SparseIndexConfig.newBuilder()
                                        .setDatatype(
                                            io.qdrant.client.grpc.Collections.Datatype.Float16))
                                .setModifier(io.qdrant.client.grpc.Collections.Modifier.Idf)
                                .build()))
                .build())
        .get();
    CollectionInfo info = client.getCollectionInfoAsync("hybrid").get();
    assertThat(info.getConfig().getParams().getSparseVectorsConfig().getMapMap())
        .containsKey("text");
    assertThat(
            info.getConfig()
                .getParams()
                .getSparseVectorsConfig()
                .getMapMap()
                .get("text")
                .getIndex()
                .getDatatype())
        .isEqualTo(io.qdrant.client.grpc.Collections.Datatype.Float16);
    List<PointStruct> points = new java.util.ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      points.add(
          PointStruct.newBuilder()
              .setId(id(i))
              .setVectors(
                  namedVectors(
                      Map.of(
                          "dense",
                          vector(List.of((float) i, 1f, 0f, 0f)),
                          "text",
                          vector(List.of((float) i, 1f), List.of(i % 3, 50)))))
              .putPayload("n", value(i))
              .build());
    }
    assertThat(client.upsertAsync("hybrid", points).get().getStatus())
        .isEqualTo(UpdateStatus.Completed);
    // the sparse vector reads back
    RetrievedPoint p =
        client
            .retrieveAsync(
                "hybrid",
                List.of(id(4)),
                WithPayloadSelectorFactory.enable(false),
                WithVectorsSelectorFactory.enable(true),
                null)
            .get()
            .getFirst();
    var text = p.getVectors().getVectors().getVectorsMap().get("text");
    assertThat(text.getSparse().getIndicesList()).containsExactly(1, 50);
    assertThat(text.getSparse().getValuesList()).containsExactly(4f, 1f);
    // by the sparse vector alone
    List<ScoredPoint> sparse =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("hybrid")
                    .setQuery(nearest(List.of(1f), List.of(1)))
                    .setUsing("text")
                    .setLimit(2)
                    .build())
            .get();
    assertThat(sparse).extracting(s -> s.getId().getNum()).containsExactly(10L, 7L);
    // fused
    List<ScoredPoint> fused =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("hybrid")
                    .addPrefetch(
                        io.qdrant.client.grpc.Points.PrefetchQuery.newBuilder()
                            .setQuery(nearest(List.of(1f, 0f, 0f, 0f)))
                            .setUsing("dense")
                            .setLimit(5))
                    .addPrefetch(
                        io.qdrant.client.grpc.Points.PrefetchQuery.newBuilder()
                            .setQuery(nearest(List.of(1f), List.of(2)))
                            .setUsing("text")
                            .setLimit(5))
                    .setQuery(
                        io.qdrant.client.QueryFactory.fusion(
                            io.qdrant.client.grpc.Points.Fusion.RRF))
                    .setLimit(3)
                    .build())
            .get();
    assertThat(fused).hasSize(3);
    // 8 is the best dense match with dimension 2: first in both lists
    assertThat(fused.getFirst().getId().getNum()).isEqualTo(8L);
    // the legacy search with sparse_indices
    List<ScoredPoint> legacy =
        client
            .searchAsync(
                SearchPoints.newBuilder()
                    .setCollectionName("hybrid")
                    .setVectorName("text")
                    .addAllVector(List.of(1f))
                    .setSparseIndices(
                        io.qdrant.client.grpc.Points.SparseIndices.newBuilder().addData(0))
                    .setLimit(1)
                    .build())
            .get();
    assertThat(legacy).extracting(s -> s.getId().getNum()).containsExactly(9L);
    // BM25 documents made in the node, in upserts and in queries
    client
        .upsertAsync(
            "hybrid",
            List.of(
                PointStruct.newBuilder()
                    .setId(id(20))
                    .setVectors(
                        namedVectors(
                            Map.of(
                                "dense",
                                vector(List.of(0f, 1f, 0f, 0f)),
                                "text",
                                vector(
                                    io.qdrant.client.grpc.Points.Document.newBuilder()
                                        .setText("The quick brown foxes jumped")
                                        .setModel("qdrant/bm25")
                                        .build()))))
                    .build()))
        .get();
    List<ScoredPoint> bm25 =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("hybrid")
                    .setQuery(
                        nearest(
                            io.qdrant.client.grpc.Points.Document.newBuilder()
                                .setText("fox")
                                .setModel("Qdrant/BM25")
                                .build()))
                    .setUsing("text")
                    .setLimit(3)
                    .build())
            .get();
    assertThat(bm25).extracting(s -> s.getId().getNum()).containsExactly(20L);
    // duplicate indices: INVALID_ARGUMENT
    Throwable dup =
        catchThrowable(
            () ->
                client
                    .upsertAsync(
                        "hybrid",
                        List.of(
                            PointStruct.newBuilder()
                                .setId(id(99))
                                .setVectors(
                                    namedVectors(
                                        Map.of("text", vector(List.of(1f, 2f), List.of(3, 3)))))
                                .build()))
                    .get());
    assertThat(codeOf(dup)).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  /** A ColBERT-style multivector through the client: created, upserted, read and queried. */
  @Test
  void multivectorsRerankByMaxSim() throws Exception {
    client
        .createCollectionAsync(
            "colbert",
            VectorParams.newBuilder()
                .setSize(3)
                .setDistance(Distance.Dot)
                .setMultivectorConfig(
                    io.qdrant.client.grpc.Collections.MultiVectorConfig.newBuilder()
                        .setComparator(
                            io.qdrant.client.grpc.Collections.MultiVectorComparator.MaxSim))
                .build())
        .get();
    assertThat(
            client
                .getCollectionInfoAsync("colbert")
                .get()
                .getConfig()
                .getParams()
                .getVectorsConfig()
                .getParams()
                .hasMultivectorConfig())
        .isTrue();
    List<PointStruct> points = new java.util.ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      points.add(
          PointStruct.newBuilder()
              .setId(id(i))
              .setVectors(
                  vectors(
                      io.qdrant.client.VectorFactory.multiVector(
                          new float[][] {{i, 0, 0}, {0, 1, 0}})))
              .build());
    }
    client.upsertAsync("colbert", points).get();
    List<ScoredPoint> found =
        client
            .queryAsync(
                QueryPoints.newBuilder()
                    .setCollectionName("colbert")
                    .setQuery(nearest(new float[][] {{1, 0, 0}, {0, 1, 0}}))
                    .setLimit(2)
                    .setWithVectors(WithVectorsSelectorFactory.enable(true))
                    .build())
            .get();
    assertThat(found).extracting(p -> p.getId().getNum()).containsExactly(5L, 4L);
    assertThat(found.getFirst().getScore()).isEqualTo(6f);
    assertThat(found.getFirst().getVectors().getVector().getMultiDense().getVectorsCount())
        .isEqualTo(2);
  }
}
