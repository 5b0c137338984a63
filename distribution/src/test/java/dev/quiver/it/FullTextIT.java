package dev.quiver.it;

import static io.qdrant.client.ConditionFactory.matchPhrase;
import static io.qdrant.client.ConditionFactory.matchText;
import static io.qdrant.client.ConditionFactory.matchTextAny;
import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.ValueFactory.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.SnowballParams;
import io.qdrant.client.grpc.Collections.StemmingAlgorithm;
import io.qdrant.client.grpc.Collections.StopwordsSet;
import io.qdrant.client.grpc.Collections.TextIndexParams;
import io.qdrant.client.grpc.Collections.TokenizerType;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Points.ScrollPoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Full-text filtering as Qdrant's documentation shows it: text indexes with each tokenizer, stop
 * words, a stemmer, ASCII folding and phrase matching, queried with {@code text}, {@code text_any}
 * and {@code phrase}, over REST (answers checked against the OpenAPI document) and through the
 * official Java client; the same matches without an index are substrings.
 */
class FullTextIT extends SingleNodeFixture {

  private static final String[] TEXTS = {
    "The quick brown fox jumps over the lazy dog",
    "Foxes are quick and clever",
    "A brown quick fox",
    "Café au lait in São Paulo",
    "東京は日本の首都です",
    "Quiver is a vector database"
  };

  private Rest rest;

  private List<Long> count(String key, String match, String text) throws Exception {
    String body =
        "{\"filter\":{\"must\":[{\"key\":\""
            + key
            + "\",\"match\":{\""
            + match
            + "\":\""
            + text
            + "\"}}]},\"limit\":10}";
    JsonNode points =
        rest.call("POST", C + "/points/scroll", "/collections/t/points/scroll", body)
            .result()
            .get("points");
    List<Long> ids = new ArrayList<>();
    points.forEach(p -> ids.add(p.get("id").asLong()));
    return ids;
  }

  private void index(String field, String schema) throws Exception {
    createIndex(rest, "t", field, schema);
  }

  @Test
  void textIndexesAnalyseAsQdrantDoes() throws Exception {
    node = new QuiverProcess(work, Map.of()).start();
    rest = new Rest(node.httpPort, openApi);
    rest.call("PUT", C, "/collections/t", "{\"vectors\":{\"size\":2,\"distance\":\"Dot\"}}");
    StringBuilder points = new StringBuilder("{\"points\":[");
    for (int i = 0; i < TEXTS.length; i++) {
      String t = TEXTS[i];
      points
          .append(i > 0 ? "," : "")
          .append("{\"id\":")
          .append(i + 1)
          .append(",\"vector\":[1,0],\"payload\":{")
          .append("\"plain\":\"" + t + "\",\"word\":\"" + t + "\",\"english\":\"" + t + "\",")
          .append("\"prefix\":\"" + t + "\",\"multi\":\"" + t + "\",\"phrase\":\"" + t + "\",")
          .append("\"folded\":\"" + t + "\"}}");
    }
    rest.call(
        "PUT", C + "/points", "/collections/t/points?wait=true", points.append("]}").toString());
    index("word", "{\"type\":\"text\",\"tokenizer\":\"word\"}");
    index(
        "english",
        "{\"type\":\"text\",\"tokenizer\":\"word\",\"stopwords\":\"english\","
            + "\"stemmer\":{\"type\":\"snowball\",\"language\":\"english\"}}");
    index("prefix", "{\"type\":\"text\",\"tokenizer\":\"prefix\",\"min_token_len\":2}");
    index("multi", "{\"type\":\"text\",\"tokenizer\":\"multilingual\"}");
    index("phrase", "{\"type\":\"text\",\"tokenizer\":\"word\",\"phrase_matching\":true}");
    index("folded", "{\"type\":\"text\",\"ascii_folding\":true}");

    JsonNode schema = rest.call("GET", C, "/collections/t", null).result().get("payload_schema");
    assertThat(schema.at("/english/params/stemmer/language").asText()).isEqualTo("english");
    assertThat(schema.at("/prefix/params/tokenizer").asText()).isEqualTo("prefix");

    // without an index: a substring
    assertThat(count("plain", "text", "quick brown")).containsExactly(1L);
    assertThat(count("plain", "text_any", "Paulo lazy")).containsExactly(1L, 4L);
    // words: every token, in any order; any token
    assertThat(count("word", "text", "quick fox")).containsExactly(1L, 3L);
    assertThat(count("word", "text_any", "clever database")).containsExactly(2L, 6L);
    // stop words and stemming: "foxes" finds "fox", "the fox" is "fox"
    assertThat(count("english", "text", "foxes")).containsExactly(1L, 2L, 3L);
    assertThat(count("english", "text", "the fox")).containsExactly(1L, 2L, 3L);
    assertThat(count("word", "text", "foxes")).containsExactly(2L);
    // prefixes: a partial word finds the words it starts
    assertThat(count("prefix", "text", "qui")).containsExactly(1L, 2L, 3L, 6L);
    assertThat(count("word", "text", "qui")).isEmpty();
    // scripts without spaces
    assertThat(count("multi", "text", "東京")).containsExactly(5L);
    assertThat(count("word", "text", "東京")).isEmpty();
    // phrases need phrase_matching, and the words in a row
    assertThat(count("phrase", "phrase", "quick brown")).containsExactly(1L);
    assertThat(count("phrase", "phrase", "brown quick")).containsExactly(3L);
    assertThat(count("word", "phrase", "quick brown")).isEmpty();
    // folding: "sao paulo" finds "São Paulo"
    assertThat(count("folded", "text", "sao paulo")).containsExactly(4L);
    assertThat(count("word", "text", "sao paulo")).isEmpty();

    // every language of Qdrant's has its stop words; another is refused by name
    var kazakh =
        rest.send(
            "PUT",
            "/collections/t/index?wait=true",
            "{\"field_name\":\"k\",\"field_schema\":{\"type\":\"text\",\"stopwords\":\"kazakh\"}}");
    assertThat(kazakh.status()).isEqualTo(200);
    var klingon =
        rest.send(
            "PUT",
            "/collections/t/index?wait=true",
            "{\"field_name\":\"x\",\"field_schema\":{\"type\":\"text\",\"stopwords\":\"klingon\"}}");
    assertThat(klingon.status()).isEqualTo(400);
    assertThat(klingon.error()).contains("klingon");

    // the same through the official Java client
    try (QdrantClient client =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", node.grpcPort, false, true).build())) {
      client
          .createPayloadIndexAsync(
              "t",
              "grpc",
              PayloadSchemaType.Text,
              PayloadIndexParams.newBuilder()
                  .setTextIndexParams(
                      TextIndexParams.newBuilder()
                          .setTokenizer(TokenizerType.Word)
                          .setStopwords(StopwordsSet.newBuilder().addLanguages("english"))
                          .setStemmer(
                              StemmingAlgorithm.newBuilder()
                                  .setSnowball(SnowballParams.newBuilder().setLanguage("english")))
                          .setPhraseMatching(true))
                  .build(),
              true,
              null,
              null)
          .get();
      for (int i = 0; i < TEXTS.length; i++) {
        client
            .setPayloadAsync("t", Map.of("grpc", value(TEXTS[i])), id(i + 1), true, null, null)
            .get();
      }
      assertThat(ids(client, matchText("grpc", "foxes"))).containsExactly(1L, 2L, 3L);
      assertThat(ids(client, matchTextAny("grpc", "clever database"))).containsExactly(2L, 6L);
      assertThat(ids(client, matchPhrase("grpc", "lazy dog"))).containsExactly(1L);
    }
  }

  private static List<Long> ids(QdrantClient client, Condition c) throws Exception {
    List<Long> out = new ArrayList<>();
    client
        .scrollAsync(
            ScrollPoints.newBuilder()
                .setCollectionName("t")
                .setFilter(Filter.newBuilder().addMust(c))
                .setLimit(10)
                .build())
        .get()
        .getResultList()
        .forEach(p -> out.add(p.getId().getNum()));
    return out;
  }
}
