package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.TextAnalyzer.Tokenizer;
import java.util.Arrays;
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

  private static Value list(String... items) {
    return new Value.Array(Arrays.stream(items).<Value>map(Value.Str::new).toList());
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
  void everyLanguageOfQdrantHasItsStopWordsAndOthersAreRefusedByName() {
    assertThatThrownBy(() -> params("stopwords", "klingon"))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("klingon")
        .hasMessageContaining("tajik");
    assertThatThrownBy(
            () ->
                params(
                    "stemmer",
                    struct(
                        "type", new Value.Str("snowball"), "language", new Value.Str("klingon"))))
        .hasMessageContaining("klingon");
    assertThatThrownBy(() -> params("tokenizer", "ngram")).hasMessageContaining("ngram");
    // a common word of each language, the pairs of Qdrant's own test of its lists
    Map<String, String> common = new LinkedHashMap<>();
    common.put("arabic", "في");
    common.put("azerbaijani", "və");
    common.put("basque", "eta");
    common.put("bengali", "এই"); // Qdrant's test word এবং is not in Lucene's Bengali list
    common.put("catalan", "i");
    common.put("chinese", "的");
    common.put("danish", "og");
    common.put("dutch", "en");
    common.put("english", "and");
    common.put("finnish", "ja");
    common.put("french", "et");
    common.put("german", "und");
    common.put("greek", "και");
    common.put("hebrew", "את");
    common.put("hinglish", "aur");
    common.put("hungarian", "és");
    common.put("indonesian", "dan");
    common.put("italian", "e");
    common.put("japanese", "の");
    common.put("kazakh", "жоқ");
    common.put("nepali", "र");
    common.put("norwegian", "og");
    common.put("portuguese", "e");
    common.put("romanian", "ar");
    common.put("russian", "и");
    common.put("slovene", "in");
    common.put("spanish", "y");
    common.put("swedish", "och");
    common.put("tajik", "ва");
    common.put("turkish", "ve");
    assertThat(common).hasSize(30); // every language of Qdrant's `Language`
    common.forEach(
        (lang, word) -> {
          Set<String> words = TextAnalyzer.languageStopwords(lang);
          assertThat(words).as(lang).contains(word).doesNotContain("qdrant");
        });
    // the lists kept as data files, by size: NLTK's (Japanese: Qdrant's), less the entries with
    // white space in them, which no token can match
    for (String lang :
        List.of(
            "azerbaijani",
            "chinese",
            "hebrew",
            "hinglish",
            "japanese",
            "kazakh",
            "slovene",
            "tajik")) {
      assertThat(TextAnalyzer.languageStopwords(lang))
          .as(lang)
          .allSatisfy(w -> assertThat(w).doesNotContainPattern("\\s"));
    }
    assertThat(TextAnalyzer.languageStopwords("hinglish")).hasSize(1036);
    assertThat(TextAnalyzer.languageStopwords("slovene")).hasSize(1784);
    assertThat(TextAnalyzer.languageStopwords("chinese")).hasSize(841);
    assertThat(TextAnalyzer.languageStopwords("japanese")).hasSize(149);
    // as an index's analysis: Chinese segmented, its function words dropped
    TextAnalyzer zh = params("tokenizer", "multilingual", "stopwords", "chinese");
    assertThat(zh.documentTokens("我们的北京")).containsExactly("北京");
    TextAnalyzer sl = params("stopwords", struct("languages", list("slovene", "tajik")));
    assertThat(sl.documentTokens("Kava in čaj ва чой")).containsExactly("kava", "čaj", "чой");
    assertThat(TextAnalyzer.languageStopwords("english")).hasSize(179).contains("the", "ourselves");
    assertThat(Set.of(Tokenizer.values())).hasSize(4);
  }
}
