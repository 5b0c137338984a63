package dev.quiver.server.query;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The sparse distance matrix of a sample ({@code /points/search/matrix/pairs|offsets}, gRPC {@code
 * SearchMatrixPairs|Offsets}) for both edges: up to {@code sample} random points that pass the
 * filter, and for each its {@code limit} nearest among the others of the sample. Stateless (static
 * methods only), so thread-safe.
 */
public final class DistanceMatrix {

  private DistanceMatrix() {}

  /** One (a, b, score) entry: b is among a's nearest in the sample. */
  public record Pair(PointId a, PointId b, float score) {}

  /** The sampled ids, in id order, and the pairs row by row. */
  public record Result(List<PointId> ids, List<Pair> pairs) {

    /** The pairs as positions in {@link #ids()}: rows (a), columns (b) and scores. */
    public Offsets offsets() {
      Map<PointId, Integer> index = new HashMap<>();
      for (PointId id : ids) {
        index.put(id, index.size());
      }
      int[] rows = new int[pairs.size()];
      int[] cols = new int[pairs.size()];
      float[] scores = new float[pairs.size()];
      for (int i = 0; i < pairs.size(); i++) {
        rows[i] = index.get(pairs.get(i).a());
        cols[i] = index.get(pairs.get(i).b());
        scores[i] = pairs.get(i).score();
      }
      return new Offsets(rows, cols, scores);
    }
  }

  /** A sparse matrix in coordinate form over {@link Result#ids()}. */
  public record Offsets(int[] rows, int[] cols, float[] scores) {}

  public static Result compute(
      Dispatcher dispatcher,
      String collection,
      Filter filter,
      int sample,
      int limit,
      String using,
      ReadConsistency consistency,
      ShardSelector shards) {
    List<PointId> ids = new ArrayList<>();
    Pages.sample(dispatcher, collection, filter, sample, consistency, shards)
        .forEach(r -> ids.add(r.id()));
    Collections.sort(ids);
    // each sampled point's search among the others: by its dense or its sparse vector
    Map<PointId, Function<Filter, SearchRequest>> vectors = new HashMap<>();
    for (PointRecord r :
        dispatcher
            .points()
            .retrieve(
                collection,
                ids,
                WithPayload.NONE,
                WithVectors.only(List.of(using)),
                consistency,
                shards)) {
      float[] dense = r.vectors() == null ? null : r.vectors().get(using);
      var sparse = r.sparseVectors() == null ? null : r.sparseVectors().get(using);
      if (dense != null) {
        vectors.put(
            r.id(),
            among ->
                new SearchRequest(
                    using,
                    dense,
                    limit,
                    0,
                    null,
                    WithPayload.NONE,
                    WithVectors.NONE,
                    null,
                    true,
                    among));
      } else if (sparse != null) {
        vectors.put(
            r.id(),
            among ->
                SearchRequest.sparse(
                    using,
                    sparse,
                    limit,
                    0,
                    null,
                    WithPayload.NONE,
                    WithVectors.NONE,
                    true,
                    among));
      }
    }
    List<Pair> pairs = new ArrayList<>();
    for (PointId a : ids) {
      var search = vectors.get(a);
      if (search == null) {
        continue;
      }
      Set<PointId> others = new HashSet<>(vectors.keySet());
      others.remove(a);
      if (others.isEmpty()) {
        continue;
      }
      Filter among = new Filter(List.of(new Condition.HasId(others)), List.of(), List.of(), null);
      for (ScoredPoint hit :
          dispatcher.points().search(collection, search.apply(among), consistency, shards)) {
        pairs.add(new Pair(a, hit.id(), hit.score()));
      }
    }
    return new Result(ids, pairs);
  }
}
