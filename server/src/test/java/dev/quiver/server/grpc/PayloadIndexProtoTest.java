package dev.quiver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.server.request.RequestException;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.Value;
import io.qdrant.client.grpc.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Payload index parameters made over gRPC are kept as REST keeps them, and read back as sent. */
class PayloadIndexProtoTest {
  @Test
  void parametersOfEveryKindRoundTrip() {
    List<Collections.PayloadIndexParams> sent =
        List.of(
            Collections.PayloadIndexParams.newBuilder()
                .setKeywordIndexParams(
                    Collections.KeywordIndexParams.newBuilder().setIsTenant(true).setOnDisk(false))
                .build(),
            Collections.PayloadIndexParams.newBuilder()
                .setIntegerIndexParams(
                    Collections.IntegerIndexParams.newBuilder().setLookup(false).setRange(true))
                .build(),
            Collections.PayloadIndexParams.newBuilder()
                .setTextIndexParams(
                    Collections.TextIndexParams.newBuilder()
                        .setTokenizer(Collections.TokenizerType.Prefix)
                        .setLowercase(true)
                        .setMinTokenLen(2)
                        .setStopwords(
                            Collections.StopwordsSet.newBuilder()
                                .addLanguages("english")
                                .addCustom("quiver"))
                        .setStemmer(
                            Collections.StemmingAlgorithm.newBuilder()
                                .setSnowball(
                                    Collections.SnowballParams.newBuilder()
                                        .setLanguage("english"))))
                .build());
    List<String> types = List.of("keyword", "integer", "text");
    for (int i = 0; i < sent.size(); i++) {
      Value.Struct stored = PayloadIndexProto.params(types.get(i), true, sent.get(i));
      assertThat(stored.fields().get("type")).isEqualTo(new Value.Str(types.get(i)));
      assertThat(PayloadIndexProto.proto(new PayloadIndexSpec(types.get(i), stored)))
          .isEqualTo(sent.get(i));
    }
    assertThat(PayloadIndexProto.params("keyword", true, sent.getFirst()).fields().get("is_tenant"))
        .isEqualTo(new Value.Bool(true));
  }

  @Test
  void restsShortFormsReadBackOverGrpc() {
    Value.Struct rest =
        new Value.Struct(
            Map.of(
                "type", new Value.Str("text"),
                "tokenizer", new Value.Str("multilingual"),
                "stopwords", new Value.Str("english"),
                "memory", new Value.Str("cold"))); // no field in this gRPC version: not shown
    Collections.TextIndexParams text =
        PayloadIndexProto.proto(new PayloadIndexSpec("text", rest)).getTextIndexParams();
    assertThat(text.getTokenizer()).isEqualTo(Collections.TokenizerType.Multilingual);
    assertThat(text.getStopwords().getLanguagesList()).containsExactly("english");
    assertThat(PayloadIndexProto.proto(new PayloadIndexSpec("keyword", null))).isNull();
  }

  @Test
  void parametersOfAnotherTypeAreRefusedByName() {
    assertThatThrownBy(
            () ->
                PayloadIndexProto.params(
                    "integer",
                    true,
                    Collections.PayloadIndexParams.newBuilder()
                        .setKeywordIndexParams(Collections.KeywordIndexParams.getDefaultInstance())
                        .build()))
        .isInstanceOf(RequestException.Invalid.class)
        .hasMessageContaining("field_index_params.keyword_index_params");
    assertThat(
            PayloadIndexProto.params(
                "integer", false, Collections.PayloadIndexParams.getDefaultInstance()))
        .isNull();
  }
}
