package dev.quiver.server;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Search results grouped by a payload value ({@code /points/search/groups}, {@code
 * /points/query/groups}, gRPC {@code SearchGroups} / {@code QueryGroups}), for both edges: the best
 * {@code limit} groups, each with its best {@code groupSize} points, groups ordered by their best
 * point. A point whose key holds several values belongs to each of their groups; points without the
 * key are left out. The search is repeated with a larger limit until the groups are full or the
 * collection has no more matches.
 */
public final class Groups {
  private static final int MAX_ROUNDS = 6;

  private Groups() {}

  /** One group: its value and its points, best first. */
  public record Group(Value id, List<ScoredPoint> hits) {}

  public static List<Group> search(
      Dispatcher dispatcher,
      String collection,
      SearchRequest request,
      String groupBy,
      int groupSize,
      int limit,
      ReadConsistency consistency,
      ShardSelector shards) {
    int want = Math.max(1, limit * groupSize);
    Map<Value, List<ScoredPoint>> groups = new LinkedHashMap<>();
    for (int round = 0; round < MAX_ROUNDS; round++) {
      int fetch = want * (2 << round);
      List<ScoredPoint> hits =
          dispatcher.search(
              collection,
              new SearchRequest(
                  request.vectorName(),
                  request.vector(),
                  fetch,
                  0,
                  request.scoreThreshold(),
                  WithPayload.ALL, // the group key is read from the payload
                  request.withVectors(),
                  request.hnswEf() == null ? null : Math.max(request.hnswEf(), fetch),
                  request.exact(),
                  request.filter()),
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
                    p.shardKey()));
          }
        }
      }
      boolean full =
          groups.size() == limit && groups.values().stream().allMatch(g -> g.size() == groupSize);
      if (full || hits.size() < fetch) {
        break;
      }
    }
    List<Group> out = new ArrayList<>();
    groups.forEach((id, hits) -> out.add(new Group(id, List.copyOf(hits))));
    return out;
  }
}
