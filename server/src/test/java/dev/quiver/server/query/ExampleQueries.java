package dev.quiver.server.query;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * What the tests of example-based queries share: one stage run on collection {@code c} by a named
 * vector, examples by id, and the brute-force ranking the results are held against.
 */
final class ExampleQueries {
  /** Scores equal to 1e-4. */
  static final Comparator<Float> CLOSE =
      (a, b) -> Math.abs(a - b) < 1e-4f ? 0 : Float.compare(a, b);

  private ExampleQueries() {}

  /** {@code query} by vector {@code using} of collection {@code c}, its best {@code limit}. */
  static List<ScoredPoint> run(
      Dispatcher dispatcher, String using, Queries.Query query, int limit) {
    return Queries.run(
        dispatcher,
        "c",
        new Queries.Request(
            new Queries.Stage(List.of(), query, using, null, null, false, null, limit, null),
            0,
            WithPayload.NONE,
            WithVectors.NONE),
        ReadConsistency.ONE,
        ShardSelector.ALL);
  }

  static Queries.Example id(long id) {
    return new Queries.Example.Point(new PointId.Num(id));
  }

  static List<Float> scores(List<ScoredPoint> points) {
    return points.stream().map(ScoredPoint::score).toList();
  }

  /** The best {@code limit} scores of the candidates, the examples left out. */
  static List<Float> bruteForce(
      Map<PointId, ?> candidates, ToDoubleFunction<PointId> score, Set<Long> examples, int limit) {
    return candidates.keySet().stream()
        .filter(id -> !examples.contains(((PointId.Num) id).value()))
        .map(id -> (float) score.applyAsDouble(id))
        .sorted(Comparator.reverseOrder())
        .limit(limit)
        .toList();
  }
}
