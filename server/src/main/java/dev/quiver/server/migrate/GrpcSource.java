package dev.quiver.server.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractBlockingStub;
import io.grpc.stub.MetadataUtils;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.CollectionsGrpc;
import io.qdrant.client.grpc.Points;
import io.qdrant.client.grpc.PointsGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A source read over Qdrant's gRPC API (port 6334 by default): the collections, points and cluster
 * services of the public {@code qdrant} protos, each answer turned into its REST shape by {@link
 * ProtoJson}. The API key (or JWT) goes in the {@code api-key} metadata as Qdrant's clients send
 * it; every call has the migration's timeout as its deadline. Not thread-safe: one migration's.
 */
final class GrpcSource implements Source {
  /** The largest answer accepted: a page of 10,000 points of 3,072 floats with payloads fits. */
  static final int MAX_MESSAGE_BYTES = 256 << 20;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final ManagedChannel channel;
  private final ClientInterceptor auth;
  private final Duration timeout;
  private final String address;

  /**
   * @param credentials plaintext or TLS (with the CA to trust and a client certificate)
   * @param apiKey the API key or JWT, or null
   */
  GrpcSource(
      String host, int port, ChannelCredentials credentials, String apiKey, Duration timeout) {
    this.channel =
        NettyChannelBuilder.forAddress(host, port, credentials)
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .build();
    Metadata headers = new Metadata();
    if (apiKey != null) {
      headers.put(Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER), apiKey);
    }
    this.auth = MetadataUtils.newAttachHeadersInterceptor(headers);
    this.timeout = timeout;
    this.address = host + ":" + port;
  }

  @Override
  public List<String> collections() throws IOException {
    Collections.ListCollectionsResponse r =
        call(
            "List collections",
            collectionsStub(),
            s -> s.list(Collections.ListCollectionsRequest.getDefaultInstance()));
    List<String> names = new ArrayList<>();
    r.getCollectionsList().forEach(c -> names.add(c.getName()));
    return names;
  }

  @Override
  public JsonNode collection(String name) throws IOException {
    Collections.GetCollectionInfoResponse r =
        call(
            "Get collection " + name,
            collectionsStub(),
            s ->
                s.get(
                    Collections.GetCollectionInfoRequest.newBuilder()
                        .setCollectionName(name)
                        .build()));
    return ProtoJson.json(r.getResult());
  }

  @Override
  public JsonNode cluster(String name) throws IOException {
    Collections.CollectionClusterInfoResponse r =
        call(
            "CollectionClusterInfo " + name,
            collectionsStub(),
            s ->
                s.collectionClusterInfo(
                    Collections.CollectionClusterInfoRequest.newBuilder()
                        .setCollectionName(name)
                        .build()));
    return ProtoJson.json(r);
  }

  @Override
  public long count(String name) throws IOException {
    Points.CountResponse r =
        call(
            "Count " + name,
            pointsStub(),
            s ->
                s.count(
                    Points.CountPoints.newBuilder()
                        .setCollectionName(name)
                        .setExact(true)
                        .build()));
    return r.getResult().getCount();
  }

  @Override
  public JsonNode scroll(String name, JsonNode offset, int limit) throws IOException {
    Points.ScrollPoints.Builder b =
        Points.ScrollPoints.newBuilder()
            .setCollectionName(name)
            .setLimit(limit)
            .setWithPayload(Points.WithPayloadSelector.newBuilder().setEnable(true))
            .setWithVectors(Points.WithVectorsSelector.newBuilder().setEnable(true));
    if (offset != null && !offset.isNull()) {
      b.setOffset(ProtoJson.pointId(offset));
    }
    Points.ScrollResponse r = call("Scroll " + name, pointsStub(), s -> s.scroll(b.build()));
    ObjectNode page = F.objectNode();
    ArrayNode list = page.putArray("points");
    r.getResultList().forEach(p -> list.add(ProtoJson.point(p)));
    page.set(
        "next_page_offset",
        r.hasNextPageOffset() ? ProtoJson.id(r.getNextPageOffset()) : F.nullNode());
    return page;
  }

  @Override
  public JsonNode points(String name, List<JsonNode> ids) throws IOException {
    Points.GetPoints.Builder b =
        Points.GetPoints.newBuilder()
            .setCollectionName(name)
            .setWithPayload(Points.WithPayloadSelector.newBuilder().setEnable(true))
            .setWithVectors(Points.WithVectorsSelector.newBuilder().setEnable(true));
    ids.forEach(id -> b.addIds(ProtoJson.pointId(id)));
    Points.GetResponse r = call("Get points of " + name, pointsStub(), s -> s.get(b.build()));
    ArrayNode list = F.arrayNode();
    r.getResultList().forEach(p -> list.add(ProtoJson.point(p)));
    return list;
  }

  @Override
  public JsonNode aliases() throws IOException {
    return ProtoJson.json(
        call(
            "ListAliases",
            collectionsStub(),
            s -> s.listAliases(Collections.ListAliasesRequest.getDefaultInstance())));
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private CollectionsGrpc.CollectionsBlockingStub collectionsStub() {
    return CollectionsGrpc.newBlockingStub(channel).withInterceptors(auth);
  }

  private PointsGrpc.PointsBlockingStub pointsStub() {
    return PointsGrpc.newBlockingStub(channel).withInterceptors(auth);
  }

  /** One call under the migration's deadline; a refusal named with its call, status and reason. */
  private <S extends AbstractBlockingStub<S>, R> R call(String what, S stub, Function<S, R> call)
      throws MigrationException {
    try {
      return call.apply(stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (StatusRuntimeException e) {
      String why = e.getStatus().getDescription();
      throw new MigrationException(
          "gRPC "
              + what
              + " at "
              + address
              + ": "
              + e.getStatus().getCode()
              + (why == null ? "" : " " + why));
    }
  }
}
