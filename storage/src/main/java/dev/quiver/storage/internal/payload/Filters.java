package dev.quiver.storage.internal.payload;

import static dev.quiver.storage.PayloadValues.epochMillis;
import static dev.quiver.storage.PayloadValues.haversine;
import static dev.quiver.storage.PayloadValues.raw;
import static dev.quiver.storage.PayloadValues.values;

import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.TextAnalyzer;
import dev.quiver.storage.Value;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Evaluates a {@link Filter} against one point's id and payload, by reading the payload ({@link
 * PayloadIndexes} narrow the points to test; this decides). Stateless.
 */
public final class Filters {
  private Filters() {}

  /**
   * What a point's payload does not say: the full-text analysis of the fields with a {@code text}
   * index (their text matches go by tokens; without an index, by substrings), and which vectors the
   * point has.
   */
  public record Context(Map<String, TextAnalyzer> analyzers, Predicate<String> hasVector) {
    static final Context NONE = new Context(Map.of(), name -> false);
  }

  public static boolean test(Filter f, PointId id, Value.Struct payload) {
    return test(f, id, payload, Context.NONE);
  }

  /** As {@link #test(Filter, PointId, Value.Struct)}, with what the payload does not say. */
  public static boolean test(Filter f, PointId id, Value.Struct payload, Context context) {
    for (Condition c : f.must()) {
      if (!test(c, id, payload, context)) {
        return false;
      }
    }
    for (Condition c : f.mustNot()) {
      if (test(c, id, payload, context)) {
        return false;
      }
    }
    if (!f.should().isEmpty()) {
      boolean any = false;
      for (Condition c : f.should()) {
        if (test(c, id, payload, context)) {
          any = true;
          break;
        }
      }
      if (!any) {
        return false;
      }
    }
    if (f.minShould() != null) {
      int n = 0;
      for (Condition c : f.minShould().conditions()) {
        if (test(c, id, payload, context) && ++n >= f.minShould().minCount()) {
          break;
        }
      }
      return n >= f.minShould().minCount();
    }
    return true;
  }

  public static boolean test(Condition c, PointId id, Value.Struct payload) {
    return test(c, id, payload, Context.NONE);
  }

  public static boolean test(Condition c, PointId id, Value.Struct payload, Context context) {
    return switch (c) {
      case Condition.Match m ->
          values(payload, m.key()).stream().anyMatch(v -> equal(v, m.value()));
      case Condition.MatchAny m ->
          values(payload, m.key()).stream()
              .anyMatch(v -> m.values().stream().anyMatch(x -> equal(v, x)));
      case Condition.MatchExcept m ->
          values(payload, m.key()).stream()
              .anyMatch(
                  v ->
                      !(v instanceof Value.Null)
                          && m.values().stream().noneMatch(x -> equal(v, x)));
      case Condition.MatchText m when context.analyzers().containsKey(m.key()) ->
          indexedText(m, context.analyzers().get(m.key()), values(payload, m.key()));
      case Condition.MatchText m -> plainText(m, values(payload, m.key()));
      case Condition.MatchPrefix m ->
          values(payload, m.key()).stream()
              .anyMatch(v -> v instanceof Value.Str s && s.value().startsWith(m.prefix()));
      case Condition.Range r -> values(payload, r.key()).stream().anyMatch(v -> inRange(r, v));
      case Condition.ValuesCount vc -> {
        long n = values(payload, vc.key()).stream().filter(v -> !(v instanceof Value.Null)).count();
        yield (vc.gt() == null || n > vc.gt())
            && (vc.gte() == null || n >= vc.gte())
            && (vc.lt() == null || n < vc.lt())
            && (vc.lte() == null || n <= vc.lte());
      }
      case Condition.GeoBoundingBox b ->
          values(payload, b.key()).stream()
              .anyMatch(
                  v -> {
                    double[] p = geo(v);
                    return p != null
                        && p[0] <= b.topLeftLat()
                        && p[0] >= b.bottomRightLat()
                        && p[1] >= b.topLeftLon()
                        && p[1] <= b.bottomRightLon();
                  });
      case Condition.GeoRadius g ->
          values(payload, g.key()).stream()
              .anyMatch(
                  v -> {
                    double[] p = geo(v);
                    return p != null && haversine(p[0], p[1], g.lat(), g.lon()) <= g.radiusMeters();
                  });
      case Condition.GeoPolygon g ->
          values(payload, g.key()).stream()
              .anyMatch(
                  v -> {
                    double[] p = geo(v);
                    if (p == null || !inRing(p, g.exterior())) {
                      return false;
                    }
                    return g.interiors().stream().noneMatch(ring -> inRing(p, ring));
                  });
      case Condition.IsEmpty e ->
          values(payload, e.key()).stream().allMatch(v -> v instanceof Value.Null);
      case Condition.IsNull n ->
          raw(payload, n.key()).stream().anyMatch(v -> v instanceof Value.Null);
      case Condition.HasId h -> h.ids().contains(id);
      case Condition.InShard i -> i.test(id);
      case Condition.InPart i -> i.test(id);
      case Condition.Nested n ->
          raw(payload, n.key()).stream()
              .flatMap(v -> v instanceof Value.Array a ? a.values().stream() : Stream.of(v))
              .anyMatch(v -> v instanceof Value.Struct s && test(n.filter(), id, s, context));
      case Condition.Sub s -> test(s.filter(), id, payload, context);
      case Condition.HasVector h -> context.hasVector().test(h.vector());
    };
  }

  /**
   * A text match on a field with a full-text index, by its analysis: the tokens of all the field's
   * strings together hold every query token ({@code ALL}) or one ({@code ANY}); a phrase is the
   * query's tokens in a row within one string, and needs {@code phrase_matching}.
   */
  private static boolean indexedText(Condition.MatchText m, TextAnalyzer a, List<Value> values) {
    List<String> wanted = a.queryTokens(m.text());
    if (wanted.isEmpty()) {
      return false;
    }
    if (m.kind() == Condition.TextMatch.PHRASE) {
      if (!a.phraseMatching()) {
        return false;
      }
      for (Value v : values) {
        if (v instanceof Value.Str s && inRow(a, wanted, a.documentTokens(s.value()))) {
          return true;
        }
      }
      return false;
    }
    Set<String> held = new HashSet<>();
    for (Value v : values) {
      if (v instanceof Value.Str s) {
        held.addAll(a.documentTokens(s.value()));
      }
    }
    if (a.tokenizer() != TextAnalyzer.Tokenizer.PREFIX) {
      return m.kind() == Condition.TextMatch.ANY
          ? wanted.stream().anyMatch(held::contains)
          : held.containsAll(wanted);
    }
    Predicate<String> found = q -> held.stream().anyMatch(d -> a.matches(q, d));
    return m.kind() == Condition.TextMatch.ANY
        ? wanted.stream().anyMatch(found)
        : wanted.stream().allMatch(found);
  }

  /** Whether {@code phrase} occurs in {@code tokens} as a run, token by token. */
  private static boolean inRow(TextAnalyzer a, List<String> phrase, List<String> tokens) {
    for (int start = 0; start + phrase.size() <= tokens.size(); start++) {
      int i = 0;
      while (i < phrase.size() && a.matches(phrase.get(i), tokens.get(start + i))) {
        i++;
      }
      if (i == phrase.size()) {
        return true;
      }
    }
    return false;
  }

  /** A text match without an index: a substring ({@code ANY}: one whitespace-separated word). */
  private static boolean plainText(Condition.MatchText m, List<Value> values) {
    List<String> parts =
        m.kind() == Condition.TextMatch.ANY
            ? Arrays.stream(m.text().split("\\s+")).filter(w -> !w.isEmpty()).toList()
            : List.of(m.text());
    for (Value v : values) {
      if (v instanceof Value.Str s && parts.stream().anyMatch(s.value()::contains)) {
        return true;
      }
    }
    return false;
  }

  private static boolean equal(Value a, Value b) {
    if (a instanceof Value.Int x && b instanceof Value.Double y) {
      return x.value() == y.value();
    }
    if (a instanceof Value.Double x && b instanceof Value.Int y) {
      return x.value() == y.value();
    }
    return a.equals(b);
  }

  private static boolean inRange(Condition.Range r, Value v) {
    double x;
    if (r.datetime()) {
      if (!(v instanceof Value.Str s)) {
        return false;
      }
      Double t = epochMillis(s.value());
      if (t == null) {
        return false;
      }
      x = t;
    } else if (v instanceof Value.Int i) {
      x = i.value();
    } else if (v instanceof Value.Double d) {
      x = d.value();
    } else {
      return false;
    }
    return (r.gt() == null || x > r.gt())
        && (r.gte() == null || x >= r.gte())
        && (r.lt() == null || x < r.lt())
        && (r.lte() == null || x <= r.lte());
  }

  private static double[] geo(Value v) {
    if (v instanceof Value.Struct s
        && number(s.fields().get("lat")) != null
        && number(s.fields().get("lon")) != null) {
      return new double[] {number(s.fields().get("lat")), number(s.fields().get("lon"))};
    }
    return null;
  }

  private static Double number(Value v) {
    return v instanceof Value.Int i
        ? (double) i.value()
        : v instanceof Value.Double d ? d.value() : null;
  }

  /** Ray casting on (lat, lon) pairs. */
  private static boolean inRing(double[] p, List<double[]> ring) {
    boolean inside = false;
    for (int i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      double[] a = ring.get(i);
      double[] b = ring.get(j);
      if ((a[0] > p[0]) != (b[0] > p[0])
          && p[1] < (b[1] - a[1]) * (p[0] - a[0]) / (b[0] - a[0]) + a[1]) {
        inside = !inside;
      }
    }
    return inside;
  }
}
