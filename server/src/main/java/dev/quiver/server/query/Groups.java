package dev.quiver.server.query;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Search results grouped by a payload value ({@code /points/search/groups}, {@code
 * /points/query/groups}, gRPC {@code SearchGroups} / {@code QueryGroups}), for both edges: the best
 * {@code limit} groups, each with its best {@code groupSize} points, groups ordered by their best
 * point. A point whose key holds several values belongs to each of their groups; points without the
 * key are left out. The search is repeated with a larger limit until the groups are full or the
 * collection has no more matches. Stateless (static methods only), so thread-safe.
 */
public final class Groups {
  private static final int MAX_ROUNDS = 6;

  private Groups() {}

  /** One group: its value, its points (best first), and the point looked up by its id. */
  public record Group(Value id, List<ScoredPoint> hits, PointRecord lookup) {}

  /** {@code with_lookup}: read the point whose id is the group's from {@code collection}. */
  public record WithLookup(String collection, WithPayload withPayload, WithVectors withVectors) {}

  /** Groups of the results of {@code request} (its own limit and offset are ignored). */
  public static List<Group> search(
      Dispatcher dispatcher,
      String collection,
      Queries.Request request,
      String groupBy,
      int groupSize,
      int limit,
      WithLookup withLookup,
      ReadConsistency consistency,
      ShardSelector shards) {
    long want = Math.max(1, (long) limit * groupSize);
    Map<Value, List<ScoredPoint>> groups = new LinkedHashMap<>();
    Queries.Stage stage = request.stage();
    for (int round = 0; round < MAX_ROUNDS; round++) {
      int fetch = (int) Math.min(Integer.MAX_VALUE - 1, want * (2L << round));
      List<ScoredPoint> hits =
          Queries.run(
              dispatcher,
              collection,
              new Queries.Request(
                  new Queries.Stage(
                      stage.prefetch(),
                      stage.query(),
                      stage.using(),
                      stage.filter(),
                      stage.hnswEf() == null ? null : Math.max(stage.hnswEf(), fetch),
                      stage.exact(),
                      stage.scoreThreshold(),
                      fetch,
                      stage.lookup(),
                      stage.quantization(),
                      stage.acorn()),
                  0,
                  WithPayload.ALL, // the group key is read from the payload
                  request.withVectors()),
              consistency,
              shards);
      groups.clear();
      for (ScoredPoint p : hits) {
        for (Value key : Facets.distinctValues(p.payload(), groupBy)) {
          if (key instanceof Value.Bool) {
            continue; // group ids are strings or integers
          }
          List<ScoredPoint> members = groups.get(key);
          if (members == null) {
            if (groups.size() == limit) {
              continue;
            }
            members = new ArrayList<>();
            groups.put(key, members);
          }
          if (members.size() < groupSize) {
            members.add(
                new ScoredPoint(
                    p.id(),
                    p.version(),
                    p.score(),
                    request.withPayload().select(p.payload()),
                    p.vectors(),
                    p.shardKey(),
                    p.orderValue(),
                    p.sparseVectors()));
          }
        }
      }
      boolean full =
          groups.size() == limit && groups.values().stream().allMatch(g -> g.size() == groupSize);
      if (full || hits.size() < fetch) {
        break;
      }
    }
    Map<Value, PointRecord> found = lookups(dispatcher, withLookup, groups.keySet(), consistency);
    List<Group> out = new ArrayList<>();
    groups.forEach((id, hits) -> out.add(new Group(id, List.copyOf(hits), found.get(id))));
    return out;
  }

  /** The points of the lookup collection whose ids are group ids (integers or UUIDs). */
  private static Map<Value, PointRecord> lookups(
      Dispatcher dispatcher,
      WithLookup withLookup,
      Set<Value> groupIds,
      ReadConsistency consistency) {
    Map<Value, PointRecord> out = new HashMap<>();
    if (withLookup == null || groupIds.isEmpty()) {
      return out;
    }
    Map<PointId, Value> byId = new LinkedHashMap<>();
    for (Value v : groupIds) {
      PointId id =
          switch (v) {
            case Value.Int i when i.value() >= 0 -> new PointId.Num(i.value());
            case Value.Str x -> uuid(x.value());
            default -> null;
          };
      if (id != null) {
        byId.put(id, v);
      }
    }
    if (byId.isEmpty()) {
      return out;
    }
    for (PointRecord r :
        dispatcher
            .points()
            .retrieve(
                dispatcher.catalog().resolve(withLookup.collection()),
                List.copyOf(byId.keySet()),
                withLookup.withPayload(),
                withLookup.withVectors(),
                consistency,
                ShardSelector.ALL)) {
      out.put(byId.get(r.id()), r);
    }
    return out;
  }

  private static PointId uuid(String s) {
    try {
      return new PointId.Uuid(UUID.fromString(s));
    } catch (IllegalArgumentException e) {
      return null; // a string group id that is no UUID has no point to look up
    }
  }
}
