package dev.quiver.storage.internal.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadValues;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRouting;
import dev.quiver.storage.TextAnalyzer;
import dev.quiver.storage.Value;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FiltersTest {
  private static final Value.Struct P =
      new Value.Struct(
          Map.of(
              "city", new Value.Str("Berlin"),
              "tags", new Value.Array(List.of(new Value.Str("a"), new Value.Str("b"))),
              "price", new Value.Double(9.5),
              "n", new Value.Int(3),
              "created", new Value.Str("2026-03-04T10:30:45Z"),
              "loc",
                  new Value.Struct(
                      Map.of("lat", new Value.Double(52.52), "lon", new Value.Double(13.405))),
              "none", Value.Null.INSTANCE,
              "empty", new Value.Array(List.of()),
              "items",
                  new Value.Array(
                      List.of(
                          new Value.Struct(
                              Map.of("sku", new Value.Str("x"), "qty", new Value.Int(1))),
                          new Value.Struct(
                              Map.of("sku", new Value.Str("y"), "qty", new Value.Int(5)))))));

  private static boolean t(Condition c) {
    return Filters.test(c, PointId.of(7), P);
  }

  private static Filter must(Condition... c) {
    return new Filter(List.of(c), List.of(), List.of(), null);
  }

  @Test
  void matches() {
    assertThat(t(new Condition.Match("city", new Value.Str("Berlin")))).isTrue();
    assertThat(t(new Condition.Match("city", new Value.Str("Paris")))).isFalse();
    assertThat(t(new Condition.Match("tags", new Value.Str("b")))).as("any array element").isTrue();
    assertThat(t(new Condition.Match("n", new Value.Double(3)))).isTrue();
    assertThat(
            t(
                new Condition.MatchAny(
                    "city", List.of(new Value.Str("Paris"), new Value.Str("Berlin")))))
        .isTrue();
    assertThat(t(new Condition.MatchExcept("city", List.of(new Value.Str("Berlin"))))).isFalse();
    assertThat(t(new Condition.MatchExcept("city", List.of(new Value.Str("Paris"))))).isTrue();
    assertThat(t(new Condition.MatchText("city", "erl"))).isTrue();
    assertThat(t(new Condition.Match("items[].sku", new Value.Str("y")))).isTrue();
    assertThat(t(new Condition.Match("items.sku", new Value.Str("y"))))
        .as("arrays are gone through")
        .isTrue();
  }

  @Test
  void rangesCountsGeoAndEmptiness() {
    assertThat(t(new Condition.Range("price", 9.0, null, 10.0, null, false))).isTrue();
    assertThat(t(new Condition.Range("price", null, 10.0, null, null, false))).isFalse();
    assertThat(
            t(
                new Condition.Range(
                    "created",
                    null,
                    PayloadValues.epochMillis("2026-03-01T00:00:00Z"),
                    null,
                    null,
                    true)))
        .isTrue();
    assertThat(
            t(
                new Condition.Range(
                    "created", null, null, PayloadValues.epochMillis("2026-03-01"), null, true)))
        .isFalse();
    assertThat(t(new Condition.ValuesCount("tags", null, 2L, null, null))).isTrue();
    assertThat(t(new Condition.ValuesCount("tags", 2L, null, null, null))).isFalse();
    assertThat(t(new Condition.GeoRadius("loc", 52.5200, 13.4000, 1000))).isTrue();
    assertThat(t(new Condition.GeoRadius("loc", 48.8566, 2.3522, 100_000)))
        .as("Paris is far")
        .isFalse();
    assertThat(t(new Condition.GeoBoundingBox("loc", 53, 13, 52, 14))).isTrue();
    var square =
        List.of(
            new double[] {52, 13},
            new double[] {53, 13},
            new double[] {53, 14},
            new double[] {52, 14},
            new double[] {52, 13});
    assertThat(t(new Condition.GeoPolygon("loc", square, List.of()))).isTrue();
    assertThat(t(new Condition.GeoPolygon("loc", square, List.of(square))))
        .as("inside a hole")
        .isFalse();
    assertThat(t(new Condition.IsEmpty("missing"))).isTrue();
    assertThat(t(new Condition.IsEmpty("empty"))).isTrue();
    assertThat(t(new Condition.IsEmpty("none"))).isTrue();
    assertThat(t(new Condition.IsEmpty("city"))).isFalse();
    assertThat(t(new Condition.IsNull("none"))).isTrue();
    assertThat(t(new Condition.IsNull("missing"))).isFalse();
    assertThat(t(new Condition.HasId(Set.of(PointId.of(7))))).isTrue();
    for (PointRouting routing : PointRouting.values()) {
      int shard = routing.shardOf(PointId.of(7), 3);
      assertThat(t(new Condition.InShard(routing, 3, shard))).isTrue();
      assertThat(t(new Condition.InShard(routing, 3, (shard + 1) % 3))).isFalse();
    }
  }

  @Test
  void hasVectorAsksThePointAndTextMatchesFollowTheIndexAnalysis() {
    Filters.Context ctx =
        new Filters.Context(
            Map.of(
                "title",
                TextAnalyzer.of(
                    new Value.Struct(
                        Map.of(
                            "type",
                            new Value.Str("text"),
                            "phrase_matching",
                            new Value.Bool(true))))),
            Set.of("", "image")::contains);
    Value.Struct doc =
        new Value.Struct(
            Map.of(
                "title",
                new Value.Str("The quick brown fox"),
                "raw",
                new Value.Str("The quick brown fox")));
    PointId id = PointId.of(1);
    assertThat(Filters.test(new Condition.HasVector("image"), id, doc, ctx)).isTrue();
    assertThat(Filters.test(new Condition.HasVector("text"), id, doc, ctx)).isFalse();
    assertThat(Filters.test(new Condition.HasVector("image"), id, doc, Filters.Context.NONE))
        .isFalse();
    // indexed: tokens, in any order; one of them; in a row
    assertThat(Filters.test(new Condition.MatchText("title", "fox QUICK"), id, doc, ctx)).isTrue();
    assertThat(
            Filters.test(
                new Condition.MatchText("title", "cat fox", Condition.TextMatch.ANY), id, doc, ctx))
        .isTrue();
    assertThat(
            Filters.test(
                new Condition.MatchText("title", "brown fox", Condition.TextMatch.PHRASE),
                id,
                doc,
                ctx))
        .isTrue();
    assertThat(
            Filters.test(
                new Condition.MatchText("title", "fox brown", Condition.TextMatch.PHRASE),
                id,
                doc,
                ctx))
        .isFalse();
    // not indexed: substrings (text_any: one whitespace-separated word)
    assertThat(Filters.test(new Condition.MatchText("raw", "fox QUICK"), id, doc, ctx)).isFalse();
    assertThat(Filters.test(new Condition.MatchText("raw", "quick bro"), id, doc, ctx)).isTrue();
    assertThat(
            Filters.test(
                new Condition.MatchText("raw", "cat bro", Condition.TextMatch.ANY), id, doc, ctx))
        .isTrue();
  }

  @Test
  void booleanStructureAndNested() {
    Condition berlin = new Condition.Match("city", new Value.Str("Berlin"));
    Condition paris = new Condition.Match("city", new Value.Str("Paris"));
    assertThat(
            Filters.test(
                new Filter(List.of(), List.of(paris, berlin), List.of(), null), PointId.of(1), P))
        .isTrue();
    assertThat(
            Filters.test(new Filter(List.of(), List.of(paris), List.of(), null), PointId.of(1), P))
        .isFalse();
    assertThat(
            Filters.test(new Filter(List.of(), List.of(), List.of(berlin), null), PointId.of(1), P))
        .isFalse();
    assertThat(
            Filters.test(
                new Filter(
                    List.of(),
                    List.of(),
                    List.of(),
                    new Filter.MinShould(
                        List.of(berlin, paris, new Condition.Match("n", new Value.Int(3))), 2)),
                PointId.of(1),
                P))
        .isTrue();
    assertThat(
            Filters.test(
                new Filter(
                    List.of(),
                    List.of(),
                    List.of(),
                    new Filter.MinShould(List.of(berlin, paris), 2)),
                PointId.of(1),
                P))
        .isFalse();
    // nested: both conditions must hold for the same element
    Filter sameItem =
        must(
            new Condition.Match("sku", new Value.Str("x")),
            new Condition.Range("qty", null, 5.0, null, null, false));
    assertThat(t(new Condition.Nested("items", sameItem))).isFalse();
    assertThat(
            Filters.test(
                must(
                    new Condition.Match("items[].sku", new Value.Str("x")),
                    new Condition.Range("items[].qty", null, 5.0, null, null, false)),
                PointId.of(1),
                P))
        .as("without nested, conditions may hold for different elements")
        .isTrue();
    assertThat(t(new Condition.Sub(must(berlin)))).isTrue();
  }
}
