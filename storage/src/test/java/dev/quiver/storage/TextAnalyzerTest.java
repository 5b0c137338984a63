package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.TextAnalyzer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Qdrant's tokenizers and token steps, on the examples of its documentation and tests. */
class TextAnalyzerTest {
  private static TextAnalyzer params(Object... kv) {
    Map<String, Value> p = new LinkedHashMap<>();
    p.put("type", new Value.Str("text"));
    for (int i = 0; i < kv.length; i += 2) {
      p.put(
          (String) kv[i],
          switch (kv[i + 1]) {
            case String s -> new Value.Str(s);
            case Boolean b -> new Value.Bool(b);
            case Integer n -> new Value.Int(n);
            case Value v -> v;
            default -> throw new IllegalArgumentException();
          });
    }
    return TextAnalyzer.of(new Value.Struct(p));
  }

  private static Value struct(Object... kv) {
    Map<String, Value> p = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      p.put((String) kv[i], (Value) kv[i + 1]);
    }
    return new Value.Struct(p);
  }

  @Test
  void wordAndWhitespaceTokenizers() {
    assertThat(TextAnalyzer.DEFAULT.documentTokens("hello, world! Привет, мир!"))
        .containsExactly("hello", "world", "привет", "мир");
    assertThat(params("lowercase", false).documentTokens("hello, world! Привет, мир!"))
        .containsExactly("hello", "world", "Привет", "мир");
    assertThat(params("tokenizer", "whitespace").documentTokens("Hello, world!\u00a0x"))
        .containsExactly("hello,", "world!", "x");
  }

  @Test
  void prefixIndexesEveryPrefixAndQueriesTheWholeWord() {
    TextAnalyzer prefix = params("tokenizer", "prefix", "min_token_len", 1, "max_token_len", 4);
    assertThat(prefix.expandedTokens("hello, мир!"))
        .containsExactly("h", "he", "hel", "hell", "м", "ми", "мир");
    assertThat(prefix.queryTokens("hello, мир!")).containsExactly("hell", "мир");
    // the index keeps words and finds them by prefix: what every stored prefix would find
    assertThat(prefix.documentTokens("hello, мир!")).containsExactly("hello", "мир");
    for (String word : List.of("hello", "мир")) {
      for (String q : prefix.expandedTokens(word)) {
        assertThat(prefix.matches(q, word)).as(q).isTrue();
      }
    }
    assertThat(prefix.matches("hex", "hello")).isFalse();
    TextAnalyzer open = params("tokenizer", "prefix", "min_token_len", 2);
    assertThat(open.expandedTokens("quick")).containsExactly("qu", "qui", "quic", "quick");
    assertThat(open.queryTokens("Qui")).containsExactly("qui");
    assertThat(open.queryTokens("q")).as("shorter than min_token_len").isEmpty();
    // stop words are not removed from a query: "the" may be the start of "theory"
    TextAnalyzer stop = params("tokenizer", "prefix", "stopwords", "english");
    assertThat(stop.expandedTokens("the theory"))
        .containsExactly("t", "th", "the", "theo", "theor", "theory");
    assertThat(stop.queryTokens("the")).containsExactly("the");
    // a long word without max_token_len would make quadratic prefixes: refused past a bound
    String longWord = "x".repeat(8_000);
    assertThatThrownBy(() -> open.expandedTokens(longWord))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("max_token_len");
    assertThat(open.documentTokens(longWord)).containsExactly(longWord);
  }

  @Test
  void stopWordsStemmersFoldingAndLengths() {
    TextAnalyzer english =
        params(
            "stopwords",
            "english",
            "stemmer",
            struct("type", new Value.Str("snowball"), "language", new Value.Str("english")));
    assertThat(english.documentTokens("The quick foxes are running"))
        .containsExactly("quick", "fox", "run");
    assertThat(english.queryTokens("the fox")).containsExactly("fox");
    TextAnalyzer mixed =
        params(
            "stopwords",
            struct(
                "languages",
                    new Value.Array(List.of(new Value.Str("french"), new Value.Str("german"))),
                "custom", new Value.Array(List.of(new Value.Str("Quiver")))));
    assertThat(mixed.documentTokens("le chat und der Hund quiver")).containsExactly("chat", "hund");
    assertThat(params("ascii_folding", true).documentTokens("Ação Crème"))
        .containsExactly("acao", "creme");
    assertThat(
            params("min_token_len", 3, "max_token_len", 5)
                .documentTokens("a an the quick brownish"))
        .containsExactly("the", "quick");
  }

  @Test
  void multilingualSegmentsScriptsWithoutSpaces() {
    TextAnalyzer multi = params("tokenizer", "multilingual");
    assertThat(multi.documentTokens("本日の日付は")).containsExactly("本日", "の", "日付", "は");
    assertThat(multi.documentTokens("東京は日本の首都です")).contains("東京", "日本", "首都");
    assertThat(multi.documentTokens("What are you waiting for?"))
        .containsExactly("what", "are", "you", "waiting", "for");
    assertThat(multi.documentTokens("我来到北京清华大学")).containsExactly("我", "来到", "北京", "清华大学");
    assertThat(multi.documentTokens("มาทำงานกันเถอะ"))
        .containsExactly("มา", "ทำงาน", "กัน", "เถอะ");
  }

  @Test
  void languagesWithoutAMaintainedListOrStemmerAreRefusedByName() {
    assertThatThrownBy(() -> params("stopwords", "kazakh"))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("kazakh");
    assertThatThrownBy(
            () ->
                params(
                    "stemmer",
                    struct(
                        "type", new Value.Str("snowball"), "language", new Value.Str("klingon"))))
        .hasMessageContaining("klingon");
    assertThatThrownBy(() -> params("tokenizer", "ngram")).hasMessageContaining("ngram");
    for (String lang :
        List.of(
            "arabic",
            "basque",
            "bengali",
            "catalan",
            "danish",
            "dutch",
            "english",
            "finnish",
            "french",
            "german",
            "greek",
            "hungarian",
            "indonesian",
            "italian",
            "nepali",
            "norwegian",
            "portuguese",
            "romanian",
            "russian",
            "spanish",
            "swedish",
            "turkish")) {
      assertThat(TextAnalyzer.languageStopwords(lang)).as(lang).isNotEmpty();
    }
    assertThat(TextAnalyzer.languageStopwords("english")).hasSize(179).contains("the", "ourselves");
    assertThat(Set.of(Tokenizer.values())).hasSize(4);
  }
}
