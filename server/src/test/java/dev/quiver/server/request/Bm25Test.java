package dev.quiver.server.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.SparseVector;
import dev.quiver.storage.Value;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The local BM25 model: Qdrant's tokens, dimensions and weights. */
public class Bm25Test {
  private static Bm25 model(Map<String, Value> options) {
    return Bm25.configured(new Value.Struct(options));
  }

  @Test
  void dimensionsAreTheAbsoluteMurmur3OfTheToken() {
    // MurmurHash3_x86_32("hello", seed 0) = 0x248bfa47, a published test vector
    assertThat(Bm25.dimension("hello")).isEqualTo(0x248bfa47);
    // a negative hash turns positive, as Rust's unsigned_abs does
    for (String t : List.of("fox", "quick", "東京", "naïve", "x")) {
      int h =
          org.apache.lucene.util.StringHelper.murmurhash3_x86_32(
              new org.apache.lucene.util.BytesRef(t), 0);
      assertThat(Integer.toUnsignedLong(Bm25.dimension(t))).isEqualTo(Math.abs((long) h));
    }
  }

  @Test
  void tokensAreWordsLowerCasedWithoutStopWordsAndStemmed() {
    Bm25 bm25 = model(Map.of());
    assertThat(bm25.tokens("The quick brown Foxes are RUNNING over the lazy dogs!"))
        .containsExactly("quick", "brown", "fox", "run", "lazi", "dog");
    assertThat(bm25.tokens("hello, world! Привет, мир! 東京"))
        .containsExactly("hello", "world", "привет", "мир", "東京");
    // "can", "will", "just" are stop words in Qdrant's (NLTK's) list, not in Lucene's default
    assertThat(bm25.tokens("you can just do it")).isEmpty();
    assertThat(
            model(Map.of("language", new Value.Str("none"), "lowercase", new Value.Bool(false)))
                .tokens("The Foxes"))
        .containsExactly("The", "Foxes");
    assertThat(
            model(Map.of("ascii_folding", new Value.Bool(true), "min_token_len", new Value.Int(4)))
                .tokens("Ação em São Paulo"))
        .containsExactly("acao", "paulo");
    assertThat(
            model(
                    Map.of(
                        "stopwords",
                        new Value.Struct(
                            Map.of("custom", new Value.Array(List.of(new Value.Str("quick"))))),
                        "stemmer",
                        new Value.Struct(Map.of("type", new Value.Str("none")))))
                .tokens("the quick foxes"))
        .containsExactly("the", "foxes");
  }

  @Test
  void documentsWeighTermFrequencyAndQueriesWeighOne() {
    SparseVector doc = Bm25.document("fox fox dog", "Qdrant/bm25", null, "body", "v");
    double len = 3;
    double fox = 2 * 2.2 / (1.2 * (1 - 0.75 + 0.75 * len / 256) + 2);
    double dog = 1 * 2.2 / (1.2 * (1 - 0.75 + 0.75 * len / 256) + 1);
    assertThat(doc.size()).isEqualTo(2);
    for (int i = 0; i < 2; i++) {
      double want = doc.indices()[i] == Bm25.dimension("fox") ? fox : dog;
      assertThat((double) doc.values()[i]).isCloseTo(want, Offset.offset(1e-6));
    }
    SparseVector q = Bm25.query("Fox and foxes, dog", "bm25", null, "body", "q");
    assertThat(q.values()).containsOnly(1f);
    assertThat(q.size()).isEqualTo(2);
    assertThat(q.dot(doc)).isCloseTo((float) (fox + dog), Offset.offset(1e-5f));
  }

  @Test
  void otherModelsAndUnknownOptionsAreRefusedByName() {
    assertThatThrownBy(
            () -> Bm25.document("x", "sentence-transformers/all-MiniLM-L6-v2", null, "body", "p"))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("sentence-transformers/all-MiniLM-L6-v2");
    assertThatThrownBy(
            () ->
                Bm25.query(
                    "x", "bm25", new Value.Struct(Map.of("k1", new Value.Double(1))), "body", "p"))
        .hasMessageContaining("p.options.k1");
    assertThatThrownBy(
            () ->
                Bm25.query(
                    "x",
                    "bm25",
                    new Value.Struct(Map.of("language", new Value.Str("klingon"))),
                    "body",
                    "p"))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("klingon");
  }

  @Test
  void aLanguageWithoutAStemmerBringsItsStopWords() {
    Bm25 kazakh = Bm25.configured(new Value.Struct(Map.of("language", new Value.Str("kazakh"))));
    // "мен" ("I") and "жоқ" ("no") are stop words; Snowball has no Kazakh stemmer
    assertThat(kazakh.tokens("Мен кітап жоқ")).containsExactly("кітап");
  }

  @Test
  void aLanguageBringsItsStopWordsAndStemmer() {
    Bm25 german = Bm25.configured(new Value.Struct(Map.of("language", new Value.Str("german"))));
    // "und" and "die" are German stop words; Snowball German stems "Häuser" to "haus"
    assertThat(german.tokens("Die Häuser und die Straßen")).containsExactly("haus", "strass");
    Bm25 none = Bm25.configured(new Value.Struct(Map.of("language", new Value.Str("none"))));
    assertThat(none.tokens("The foxes")).containsExactly("the", "foxes");
  }
}
