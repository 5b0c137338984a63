package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.server.request.GeoPolygons;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadValues;
import dev.quiver.storage.PointId;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.Value;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads Qdrant's JSON filter ({@code Filter} in the OpenAPI spec) into the domain form. */
final class FilterJson {
  private FilterJson() {}

  /** The filter at {@code node}, or null for a missing or null one. */
  static Filter parse(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw bad(path, "expected a filter object");
    }
    Filter.MinShould minShould = null;
    JsonNode ms = node.get("min_should");
    if (ms != null && !ms.isNull()) {
      JsonNode count = ms.get("min_count");
      if (count == null || !count.canConvertToInt() || count.asInt() < 0) {
        throw bad(path + ".min_should.min_count", "expected a non-negative integer");
      }
      minShould =
          new Filter.MinShould(
              conditions(ms.get("conditions"), path + ".min_should.conditions"), count.asInt());
    }
    return new Filter(
        conditions(node.get("must"), path + ".must"),
        conditions(node.get("should"), path + ".should"),
        conditions(node.get("must_not"), path + ".must_not"),
        minShould);
  }

  /** A condition list; Qdrant also accepts a single condition instead of a list. */
  private static List<Condition> conditions(JsonNode node, String path) {
    List<Condition> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        out.add(condition(node.get(i), path + "[" + i + "]"));
      }
    } else {
      out.add(condition(node, path));
    }
    return out;
  }

  /** One condition (a field condition, or a nested filter, id, emptiness or null check). */
  static Condition condition(JsonNode c, String path) {
    RequestScope.current().countCondition(); // bounded before the filter runs
    if (!c.isObject()) {
      throw bad(path, "expected a condition object");
    }
    if (c.has("must") || c.has("should") || c.has("must_not") || c.has("min_should")) {
      return new Condition.Sub(parse(c, path));
    }
    if (c.has("has_id")) {
      Set<PointId> ids = new HashSet<>(ValueJson.pointIds(c.get("has_id"), path + ".has_id"));
      return new Condition.HasId(ids);
    }
    if (c.has("is_empty")) {
      return new Condition.IsEmpty(text(c.get("is_empty").get("key"), path + ".is_empty.key"));
    }
    if (c.has("is_null")) {
      return new Condition.IsNull(text(c.get("is_null").get("key"), path + ".is_null.key"));
    }
    if (c.has("nested")) {
      JsonNode n = c.get("nested");
      return new Condition.Nested(
          text(n.get("key"), path + ".nested.key"),
          orEmpty(parse(n.get("filter"), path + ".nested.filter")));
    }
    if (c.has("has_vector")) {
      return new Condition.HasVector(text(c.get("has_vector"), path + ".has_vector"));
    }
    String key = text(c.get("key"), path + ".key");
    if (c.hasNonNull("match")) {
      return match(key, c.get("match"), path + ".match");
    }
    if (c.hasNonNull("range")) {
      return range(key, c.get("range"), path + ".range");
    }
    if (c.hasNonNull("values_count")) {
      JsonNode v = c.get("values_count");
      return new Condition.ValuesCount(
          key, lng(v, "gt"), lng(v, "gte"), lng(v, "lt"), lng(v, "lte"));
    }
    if (c.hasNonNull("geo_radius")) {
      JsonNode g = c.get("geo_radius");
      double[] center = point(g.get("center"), path + ".geo_radius.center");
      return new Condition.GeoRadius(
          key, center[0], center[1], num(g.get("radius"), path + ".geo_radius.radius"));
    }
    if (c.hasNonNull("geo_bounding_box")) {
      JsonNode g = c.get("geo_bounding_box");
      double[] tl = point(g.get("top_left"), path + ".geo_bounding_box.top_left");
      double[] br = point(g.get("bottom_right"), path + ".geo_bounding_box.bottom_right");
      return new Condition.GeoBoundingBox(key, tl[0], tl[1], br[0], br[1]);
    }
    if (c.hasNonNull("geo_polygon")) {
      JsonNode g = c.get("geo_polygon");
      List<List<double[]>> interiors = new ArrayList<>();
      JsonNode in = g.get("interiors");
      if (in != null && in.isArray()) {
        for (int i = 0; i < in.size(); i++) {
          interiors.add(ring(in.get(i), path + ".geo_polygon.interiors[" + i + "]"));
        }
      }
      return new Condition.GeoPolygon(
          key, ring(g.get("exterior"), path + ".geo_polygon.exterior"), interiors);
    }
    throw bad(path, "condition `" + key + "` has no match, range, geo or values_count clause");
  }

  private static Filter orEmpty(Filter f) {
    return f == null ? new Filter(List.of(), List.of(), List.of(), null) : f;
  }

  private static Condition match(String key, JsonNode m, String path) {
    if (m.has("value")) {
      return new Condition.Match(key, scalar(m.get("value"), path + ".value"));
    }
    if (m.has("any")) {
      return new Condition.MatchAny(key, scalars(m.get("any"), path + ".any"));
    }
    if (m.has("except")) {
      return new Condition.MatchExcept(key, scalars(m.get("except"), path + ".except"));
    }
    if (m.has("text")) {
      return new Condition.MatchText(key, text(m.get("text"), path + ".text"));
    }
    if (m.has("text_any")) {
      return new Condition.MatchText(
          key, text(m.get("text_any"), path + ".text_any"), Condition.TextMatch.ANY);
    }
    if (m.has("phrase")) {
      return new Condition.MatchText(
          key, text(m.get("phrase"), path + ".phrase"), Condition.TextMatch.PHRASE);
    }
    if (m.has("prefix")) {
      return new Condition.MatchPrefix(key, text(m.get("prefix"), path + ".prefix"));
    }
    throw bad(path, "expected value, any, except, text, text_any, phrase or prefix");
  }

  private static Condition range(String key, JsonNode r, String path) {
    boolean datetime = false;
    for (String b : new String[] {"gt", "gte", "lt", "lte"}) {
      datetime |= r.hasNonNull(b) && r.get(b).isTextual();
    }
    return new Condition.Range(
        key,
        bound(r, "gt", datetime, path),
        bound(r, "gte", datetime, path),
        bound(r, "lt", datetime, path),
        bound(r, "lte", datetime, path),
        datetime);
  }

  private static Double bound(JsonNode r, String b, boolean datetime, String path) {
    JsonNode n = r.get(b);
    if (n == null || n.isNull()) {
      return null;
    }
    if (datetime) {
      String s = text(n, path + "." + b);
      Double millis = PayloadValues.epochMillis(s);
      if (millis == null) {
        throw bad(path + "." + b, "`" + s + "` is not an RFC 3339 date-time");
      }
      return millis;
    }
    return num(n, path + "." + b);
  }

  private static Long lng(JsonNode v, String b) {
    JsonNode n = v.get(b);
    return n == null || n.isNull() ? null : n.asLong();
  }

  private static double[] point(JsonNode p, String path) {
    if (p == null || !p.isObject()) {
      throw bad(path, "expected {\"lon\": .., \"lat\": ..}");
    }
    return new double[] {num(p.get("lat"), path + ".lat"), num(p.get("lon"), path + ".lon")};
  }

  private static List<double[]> ring(JsonNode r, String path) {
    JsonNode pts = r == null ? null : r.get("points");
    if (pts == null || !pts.isArray()) {
      throw bad(path, "expected {\"points\": [...]}");
    }
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < pts.size(); i++) {
      out.add(point(pts.get(i), path + ".points[" + i + "]"));
    }
    return GeoPolygons.checked(out, "JSON body", path);
  }

  private static Value scalar(JsonNode n, String path) {
    if (n == null || !(n.isTextual() || n.isIntegralNumber() || n.isBoolean())) {
      throw bad(path, "expected a keyword, integer or bool");
    }
    return ValueJson.value(n);
  }

  private static List<Value> scalars(JsonNode n, String path) {
    if (n == null || !n.isArray()) {
      throw bad(path, "expected a list");
    }
    List<Value> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      out.add(scalar(n.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  private static String text(JsonNode n, String path) {
    if (n == null || !n.isTextual()) {
      throw bad(path, "expected a string");
    }
    return n.asText();
  }

  private static double num(JsonNode n, String path) {
    if (n == null || !n.isNumber()) {
      throw bad(path, "expected a number");
    }
    return n.asDouble();
  }

  private static RequestException bad(String path, String problem) {
    return new RequestException.Malformed(
        "Format error in JSON body: " + problem + " at `" + path + "`");
  }
}
