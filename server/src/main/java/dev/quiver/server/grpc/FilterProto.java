package dev.quiver.server.grpc;

import com.google.protobuf.Timestamp;
import dev.quiver.server.request.GeoPolygons;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.Value;
import io.qdrant.client.grpc.Common;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads the protobuf {@code qdrant.Filter} into the domain form. */
final class FilterProto {
  private FilterProto() {}

  static Filter parse(boolean has, Common.Filter f) {
    if (!has) {
      return null;
    }
    return parse(f);
  }

  static Filter parse(Common.Filter f) {
    Filter.MinShould ms =
        f.hasMinShould()
            ? new Filter.MinShould(
                conditions(f.getMinShould().getConditionsList()),
                (int) Math.min(Integer.MAX_VALUE, f.getMinShould().getMinCount()))
            : null;
    return new Filter(
        conditions(f.getMustList()),
        conditions(f.getShouldList()),
        conditions(f.getMustNotList()),
        ms);
  }

  private static List<Condition> conditions(List<Common.Condition> cs) {
    List<Condition> out = new ArrayList<>(cs.size());
    for (Common.Condition c : cs) {
      out.add(condition(c));
    }
    return out;
  }

  /** One condition of a filter (or of a formula). */
  static Condition condition(Common.Condition c) {
    RequestScope.current().countCondition(); // bounded before the filter runs
    return switch (c.getConditionOneOfCase()) {
      case FIELD -> field(c.getField());
      case IS_EMPTY -> new Condition.IsEmpty(c.getIsEmpty().getKey());
      case IS_NULL -> new Condition.IsNull(c.getIsNull().getKey());
      case HAS_ID -> {
        Set<PointId> ids = new HashSet<>(ProtoCodec.pointIds(c.getHasId().getHasIdList()));
        yield new Condition.HasId(ids);
      }
      case FILTER -> new Condition.Sub(parse(c.getFilter()));
      case NESTED -> new Condition.Nested(c.getNested().getKey(), parse(c.getNested().getFilter()));
      case HAS_VECTOR -> new Condition.HasVector(c.getHasVector().getHasVector());
      case CONDITIONONEOF_NOT_SET ->
          throw new RequestException.Invalid("body", "filter", "empty condition");
    };
  }

  private static Condition field(Common.FieldCondition f) {
    String key = f.getKey();
    if (f.hasMatch()) {
      Common.Match m = f.getMatch();
      return switch (m.getMatchValueCase()) {
        case KEYWORD -> new Condition.Match(key, new Value.Str(m.getKeyword()));
        case INTEGER -> new Condition.Match(key, new Value.Int(m.getInteger()));
        case BOOLEAN -> new Condition.Match(key, new Value.Bool(m.getBoolean()));
        case TEXT -> new Condition.MatchText(key, m.getText());
        case KEYWORDS -> new Condition.MatchAny(key, strings(m.getKeywords().getStringsList()));
        case INTEGERS -> new Condition.MatchAny(key, ints(m.getIntegers().getIntegersList()));
        case EXCEPT_INTEGERS ->
            new Condition.MatchExcept(key, ints(m.getExceptIntegers().getIntegersList()));
        case EXCEPT_KEYWORDS ->
            new Condition.MatchExcept(key, strings(m.getExceptKeywords().getStringsList()));
        case PHRASE -> new Condition.MatchText(key, m.getPhrase(), Condition.TextMatch.PHRASE);
        case TEXT_ANY -> new Condition.MatchText(key, m.getTextAny(), Condition.TextMatch.ANY);
        case MATCHVALUE_NOT_SET ->
            throw new RequestException.Invalid("body", "filter", "empty match");
      };
    }
    if (f.hasRange()) {
      Common.Range r = f.getRange();
      return new Condition.Range(
          key,
          r.hasGt() ? r.getGt() : null,
          r.hasGte() ? r.getGte() : null,
          r.hasLt() ? r.getLt() : null,
          r.hasLte() ? r.getLte() : null,
          false);
    }
    if (f.hasDatetimeRange()) {
      Common.DatetimeRange r = f.getDatetimeRange();
      return new Condition.Range(
          key,
          r.hasGt() ? millis(r.getGt()) : null,
          r.hasGte() ? millis(r.getGte()) : null,
          r.hasLt() ? millis(r.getLt()) : null,
          r.hasLte() ? millis(r.getLte()) : null,
          true);
    }
    if (f.hasValuesCount()) {
      Common.ValuesCount v = f.getValuesCount();
      return new Condition.ValuesCount(
          key,
          v.hasGt() ? v.getGt() : null,
          v.hasGte() ? v.getGte() : null,
          v.hasLt() ? v.getLt() : null,
          v.hasLte() ? v.getLte() : null);
    }
    if (f.hasGeoRadius()) {
      Common.GeoRadius g = f.getGeoRadius();
      return new Condition.GeoRadius(
          key, g.getCenter().getLat(), g.getCenter().getLon(), g.getRadius());
    }
    if (f.hasGeoBoundingBox()) {
      Common.GeoBoundingBox g = f.getGeoBoundingBox();
      return new Condition.GeoBoundingBox(
          key,
          g.getTopLeft().getLat(),
          g.getTopLeft().getLon(),
          g.getBottomRight().getLat(),
          g.getBottomRight().getLon());
    }
    if (f.hasGeoPolygon()) {
      List<List<double[]>> interiors = new ArrayList<>();
      for (Common.GeoLineString ring : f.getGeoPolygon().getInteriorsList()) {
        interiors.add(ring(ring, "geo_polygon.interiors"));
      }
      return new Condition.GeoPolygon(
          key, ring(f.getGeoPolygon().getExterior(), "geo_polygon.exterior"), interiors);
    }
    throw new RequestException.Invalid(
        "body", "filter", "condition on `" + key + "` has no clause");
  }

  private static List<double[]> ring(Common.GeoLineString l, String path) {
    List<double[]> out = new ArrayList<>();
    for (Common.GeoPoint p : l.getPointsList()) {
      out.add(new double[] {p.getLat(), p.getLon()});
    }
    return GeoPolygons.checked(out, "body", path);
  }

  private static double millis(Timestamp t) {
    // whole milliseconds, as the REST edge and the payload indexes read date-times
    long millis = t.getNanos() / 1_000_000;
    return t.getSeconds() * 1000.0 + millis;
  }

  private static List<Value> strings(List<String> xs) {
    return xs.stream().map(x -> (Value) new Value.Str(x)).toList();
  }

  private static List<Value> ints(List<Long> xs) {
    return xs.stream().map(x -> (Value) new Value.Int(x)).toList();
  }
}
