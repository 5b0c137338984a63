package dev.quiver.it;

import static io.qdrant.client.ValueFactory.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.UpdateCollection;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.JsonWithInt.NullValue;
import io.qdrant.client.grpc.JsonWithInt.Value;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A collection's {@code metadata} as Qdrant keeps it: set at creation, merged key by key by {@code
 * PATCH} (a null value removes its key), shown in the collection's config, kept across a restart;
 * over REST (answers checked against the OpenAPI document) and through the official Java client.
 */
class CollectionMetadataIT extends SingleNodeFixture {

  @Test
  void metadataIsKeptMergedAndShown() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    Rest rest = new Rest(node.httpPort, openApi);
    rest.call(
        "PUT",
        C,
        "/collections/m",
        "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"},"
            + "\"metadata\":{\"model\":\"minilm\",\"dims\":384,\"tags\":[\"a\",\"b\"]}}");
    JsonNode meta = rest.call("GET", C, "/collections/m", null).result().at("/config/metadata");
    assertThat(meta.toString())
        .isEqualTo("{\"model\":\"minilm\",\"dims\":384,\"tags\":[\"a\",\"b\"]}");

    rest.call(
        "PATCH",
        C,
        "/collections/m",
        "{\"metadata\":{\"dims\":768,\"tags\":null,\"owner\":{\"team\":\"search\"}}}");
    meta = rest.call("GET", C, "/collections/m", null).result().at("/config/metadata");
    assertThat(meta.toString())
        .isEqualTo("{\"model\":\"minilm\",\"dims\":768,\"owner\":{\"team\":\"search\"}}");
    // a PATCH without metadata keeps it
    rest.call("PATCH", C, "/collections/m", "{\"optimizers_config\":{\"indexing_threshold\":0}}");
    assertThat(
            rest.call("GET", C, "/collections/m", null)
                .result()
                .at("/config/metadata/model")
                .asText())
        .isEqualTo("minilm");
    // not an object: refused
    assertThat(rest.send("PATCH", "/collections/m", "{\"metadata\":[1,2]}").status())
        .isEqualTo(400);
    // a collection without metadata shows none
    rest.call("PUT", C, "/collections/plain", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    assertThat(
            rest.call("GET", C, "/collections/plain", null).result().at("/config").has("metadata"))
        .isFalse();

    node.kill();
    node.start();
    rest = new Rest(node.httpPort, openApi);
    meta = rest.call("GET", C, "/collections/m", null).result().at("/config/metadata");
    assertThat(meta.toString())
        .isEqualTo("{\"model\":\"minilm\",\"dims\":768,\"owner\":{\"team\":\"search\"}}");

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
                              VectorParams.newBuilder().setSize(2).setDistance(Distance.Cosine)))
                  .putMetadata("source", value("grpc"))
                  .putMetadata("version", value(1))
                  .build())
          .get();
      client
          .updateCollectionAsync(
              UpdateCollection.newBuilder()
                  .setCollectionName("g")
                  .putMetadata("version", value(2))
                  .putMetadata(
                      "source", Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build())
                  .build())
          .get();
      var config = client.getCollectionInfoAsync("g").get().getConfig();
      assertThat(config.getMetadataMap()).containsOnlyKeys("version");
      assertThat(config.getMetadataMap().get("version").getIntegerValue()).isEqualTo(2);
      assertThat(client.getCollectionInfoAsync("m").get().getConfig().getMetadataMap())
          .containsKeys("model", "dims", "owner");
    }
  }
}
