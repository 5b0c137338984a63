package dev.quiver.storage.internal.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointId;
import dev.quiver.storage.Value;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options of a payload index act as Qdrant defines them: {@code memory} places the postings
 * (overriding {@code on_disk}), a keyword index with {@code prefix} answers prefix matches, an
 * integer index answers only the conditions its {@code lookup} and {@code range} allow, and values
 * of another type than the index's are left to the point-by-point test.
 */
class PayloadIndexOptionsTest {
  @TempDir Path dir;

  private final Map<PointId, Value.Struct> points = new HashMap<>();

  PayloadIndexOptionsTest() {
    String[] words = {"apple", "apricot", "banana", "app", "Apple"};
    for (int i = 0; i < 50; i++) {
      points.put(
          PointId.of(i),
          new Value.Struct(
              Map.of(
                  "w",
                  i % 7 == 0 ? new Value.Bool(true) : new Value.Str(words[i % words.length]),
                  "n",
                  new Value.Int(i))));
    }
  }

  private static Value.Struct params(Object... kv) {
    Map<String, Value> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(
          (String) kv[i],
          kv[i + 1] instanceof Boolean b ? new Value.Bool(b) : new Value.Str((String) kv[i + 1]));
    }
    return new Value.Struct(m);
  }

  private PayloadIndexes indexes(String field, PayloadIndexSpec spec) {
    PayloadIndexes p = new PayloadIndexes(dir.resolve("p"), 8);
    TreeMap<String, PayloadIndexSpec> specs = new TreeMap<>();
    specs.put(field, spec);
    p.define(specs, points.entrySet());
    return p;
  }

  private static Filter must(Condition c) {
    return new Filter(List.of(c), List.of(), List.of(), null);
  }

  private long passing(Condition c) {
    return points.entrySet().stream()
        .filter(e -> Filters.test(c, e.getKey(), e.getValue()))
        .count();
  }

  @Test
  void memoryPlacesThePostingsOverOnDisk() {
    PayloadIndexSpec pinned =
        new PayloadIndexSpec("keyword", params("on_disk", true, "memory", "pinned"));
    assertThat(indexes("w", pinned).heapPostings()).isEqualTo(42); // 50 less 8 booleans
    PayloadIndexSpec cold = new PayloadIndexSpec("keyword", params("memory", "cold"));
    assertThat(indexes("w", cold).heapPostings()).isZero();
    PayloadIndexSpec cached =
        new PayloadIndexSpec("keyword", params("on_disk", false, "memory", "cached"));
    assertThat(indexes("w", cached).heapPostings()).isZero();
  }

  @Test
  void aKeywordIndexWithPrefixAnswersPrefixMatchesExactly() {
    for (boolean onDisk : new boolean[] {false, true}) {
      PayloadIndexes p =
          indexes("w", new PayloadIndexSpec("keyword", params("prefix", true, "on_disk", onDisk)));
      for (String prefix : List.of("ap", "app", "A", "", "b", "z", "apple!")) {
        Condition c = new Condition.MatchPrefix("w", prefix);
        var found = p.candidates(must(c));
        assertThat(found).as(prefix).isNotNull();
        assertThat(found.exact()).isTrue();
        assertThat((long) found.ids().size()).as(prefix).isEqualTo(passing(c));
      }
    }
    PayloadIndexes plain = indexes("w", new PayloadIndexSpec("keyword", null));
    assertThat(plain.candidates(must(new Condition.MatchPrefix("w", "ap"))))
        .as("without the option a prefix match is tested point by point")
        .isNull();
  }

  @Test
  void anIntegerIndexAnswersWhatLookupAndRangeAllow() {
    Condition match = new Condition.Match("n", new Value.Int(7));
    Condition range = new Condition.Range("n", null, 3.0, 9.0, null, false);
    PayloadIndexes both = indexes("n", new PayloadIndexSpec("integer", null));
    assertThat(both.candidates(must(match)).ids()).containsExactly(PointId.of(7));
    assertThat(both.candidates(must(range)).ids()).hasSize(6);
    PayloadIndexes rangeOnly =
        indexes("n", new PayloadIndexSpec("integer", params("lookup", false)));
    assertThat(rangeOnly.candidates(must(match))).isNull();
    assertThat(rangeOnly.candidates(must(range)).ids()).hasSize(6);
    PayloadIndexes lookupOnly =
        indexes("n", new PayloadIndexSpec("integer", params("range", false)));
    assertThat(lookupOnly.candidates(must(match)).ids()).containsExactly(PointId.of(7));
    assertThat(lookupOnly.candidates(must(range))).isNull();
  }

  @Test
  void valuesOfAnotherTypeAreLeftToThePointTest() {
    PayloadIndexes keyword = indexes("w", new PayloadIndexSpec("keyword", null));
    assertThat(keyword.candidates(must(new Condition.Match("w", new Value.Bool(true))))).isNull();
    assertThat(keyword.candidates(must(new Condition.Match("w", new Value.Str("app")))).ids())
        .hasSize((int) passing(new Condition.Match("w", new Value.Str("app"))));
    PayloadIndexes bool = indexes("w", new PayloadIndexSpec("bool", null));
    assertThat(bool.candidates(must(new Condition.Match("w", new Value.Bool(true)))).ids())
        .hasSize(8);
    assertThat(bool.candidates(must(new Condition.Match("w", new Value.Str("app"))))).isNull();
  }
}
