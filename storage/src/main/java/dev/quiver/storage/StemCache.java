package dev.quiver.storage;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The stems of words already stemmed, by Snowball language: a query's words have mostly been seen
 * before (in documents and other queries), and a Snowball program costs more than the rest of the
 * analysis together. Bounded: words longer than {@value #LONGEST} characters are not kept, and a
 * language's map is emptied when it reaches {@value #ENTRIES} words, so hostile input can fill it
 * with at most a few megabytes. Thread-safe.
 */
final class StemCache {
  static final int LONGEST = 40;
  static final int ENTRIES = 1 << 16;

  private static final Map<String, Map<String, String>> BY_LANGUAGE = new ConcurrentHashMap<>();

  private StemCache() {}

  /** The stem of {@code word} in {@code language}, from the cache or made by {@code stem}. */
  static String stem(String language, String word, UnaryOperator<String> stem) {
    if (word.length() > LONGEST) {
      return stem.apply(word);
    }
    Map<String, String> stems =
        BY_LANGUAGE.computeIfAbsent(language, l -> new ConcurrentHashMap<>());
    String s = stems.get(word);
    if (s == null) {
      s = stem.apply(word);
      if (stems.size() >= ENTRIES) {
        stems.clear(); // the words in use come back at once
      }
      stems.put(word, s);
    }
    return s;
  }

  /** Words kept for {@code language} (tests). */
  static int size(String language) {
    Map<String, String> stems = BY_LANGUAGE.get(language);
    return stems == null ? 0 : stems.size();
  }
}
