package dev.quiver.server.query;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The formula stage of a query ({@link Queries.Query.ByFormula}): what a {@link Formula} reads of
 * the prefetched points, gathered in as few calls as the formula allows, and the points ranked by
 * it. Stateless.
 */
public final class FormulaRescore {
  private FormulaRescore() {}

  /**
   * Scores the prefetched points with {@code formula}: the payload keys it reads come in one
   * retrieval, each of its conditions is one filtered scroll over those points, and prefetch {@code
   * i}'s scores answer {@code $score[i]}. Larger is better, whatever the distance.
   */
  static List<ScoredPoint> rescore(
      Dispatcher dispatcher,
      String collection,
      ReadConsistency consistency,
      ShardSelector shards,
      Formula formula,
      List<List<ScoredPoint>> found,
      Map<PointId, ScoredPoint> union,
      Float threshold,
      int limit) {
    List<Map<PointId, Float>> scores = new ArrayList<>(found.size());
    for (List<ScoredPoint> list : found) {
      Map<PointId, Float> byId = new HashMap<>();
      list.forEach(p -> byId.putIfAbsent(p.id(), p.score()));
      scores.add(byId);
    }
    List<PointId> ids = List.copyOf(union.keySet());
    Map<PointId, Value.Struct> payloads = null;
    Set<String> keys = formula.payloadKeys();
    if (!keys.isEmpty()) {
      List<String> top = keys.stream().map(FormulaRescore::topKey).distinct().toList();
      payloads = new HashMap<>();
      for (PointRecord r :
          dispatcher
              .points()
              .retrieve(
                  collection,
                  ids,
                  WithPayload.include(top),
                  WithVectors.NONE,
                  consistency,
                  shards)) {
        payloads.put(r.id(), r.payload() == null ? Value.Struct.EMPTY : r.payload());
      }
    }
    Map<Condition, Set<PointId>> matches = new IdentityHashMap<>();
    for (Condition c : formula.conditions()) {
      Set<PointId> matching = new HashSet<>();
      Filter only =
          QueryFilters.and(
              QueryFilters.ids(union.keySet()), new Filter(List.of(c), List.of(), List.of(), null));
      for (PointRecord r :
          dispatcher
              .points()
              .scroll(
                  collection,
                  only,
                  null,
                  ids.size(),
                  WithPayload.NONE,
                  WithVectors.NONE,
                  consistency,
                  shards)
              .points()) {
        matching.add(r.id());
      }
      matches.put(c, matching);
    }
    List<ScoredPoint> out = new ArrayList<>();
    for (ScoredPoint p : union.values()) {
      Value.Struct payload = payloads == null ? Value.Struct.EMPTY : payloads.get(p.id());
      if (payload == null) {
        continue; // deleted since the prefetch found it
      }
      float score =
          formula.score(
              new Formula.Point() {
                @Override
                public Float score(int prefetch) {
                  return prefetch < scores.size() ? scores.get(prefetch).get(p.id()) : null;
                }

                @Override
                public Value.Struct payload() {
                  return payload;
                }

                @Override
                public boolean matches(Condition condition) {
                  return matches.get(condition).contains(p.id());
                }
              });
      if (threshold == null || score >= threshold) {
        out.add(new ScoredPoint(p.id(), p.version(), score, null, null, p.shardKey()));
      }
    }
    out.sort(Queries.BEST_FIRST);
    return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
  }

  /** The top-level payload key of a key path ({@code a} of {@code a.b[].c}). */
  private static String topKey(String path) {
    int end = path.length();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '.' || c == '[') {
        end = i;
        break;
      }
    }
    return path.substring(0, end);
  }
}
