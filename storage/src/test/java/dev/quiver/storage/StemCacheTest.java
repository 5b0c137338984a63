package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The stem cache answers as the stemmer does, and stays within its bounds. */
class StemCacheTest {
  @Test
  void stemsOnceAndStaysBounded() {
    String language = "stem-cache-test";
    AtomicInteger calls = new AtomicInteger();
    assertThat(StemCache.stem(language, "foxes", w -> "fox" + calls.incrementAndGet()))
        .isEqualTo("fox1");
    assertThat(StemCache.stem(language, "foxes", w -> "fox" + calls.incrementAndGet()))
        .as("the second time from the cache")
        .isEqualTo("fox1");
    String longWord = "x".repeat(StemCache.LONGEST + 1);
    StemCache.stem(language, longWord, w -> w);
    assertThat(StemCache.size(language)).as("long words are not kept").isEqualTo(1);
    for (int i = 0; i < StemCache.ENTRIES + 5_000; i++) {
      StemCache.stem(language, "w" + i, w -> w);
      assertThat(StemCache.size(language)).isLessThanOrEqualTo(StemCache.ENTRIES);
    }
  }

  @Test
  void analysisWithTheCacheMatchesTheStemmer() {
    TextAnalyzer english =
        new TextAnalyzer(
            TextAnalyzer.Tokenizer.WORD, true, false, null, null, Set.of(), "english", false);
    for (int round = 0; round < 2; round++) { // the second round is answered from the cache
      assertThat(english.documentTokens("Running foxes jumped over lazier dogs"))
          .containsExactly("run", "fox", "jump", "over", "lazier", "dog");
    }
  }
}
