package dev.quiver.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.Storage;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Example-based queries of a sparse vector (recommend, discover, context, MMR) against a brute
 * force ranking of every point by the same formulas over dot products.
 */
public class SparseQueriesTest {
  private static final int N = 200;
  private static final long SEED = 20261202L;

  @TempDir Path dir;
  private Dispatcher dispatcher;
  private final Map<PointId, SparseVector> vectors = new HashMap<>();

  @BeforeEach
  void setUp() {
    dispatcher =
        dev.quiver.cluster.Dispatchers.singleNode(
            Storage.open(dir.resolve("storage")), dir.resolve("snap"));
    dispatcher
        .catalog()
        .createCollection(
            "c",
            new CollectionConfig(
                    Map.of("", new VectorParams(2, Distance.DOT, null)),
                    1,
                    1,
                    1,
                    false,
                    HnswConfig.DEFAULT,
                    OptimizersConfig.DEFAULT,
                    WalConfig.DEFAULT)
                .withSparseVectors(Map.of("s", SparseVectorParams.DEFAULT)));
    Random r = new Random(SEED);
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      int[] idx = r.ints(4, 0, 12).distinct().toArray();
      float[] val = new float[idx.length];
      for (int j = 0; j < val.length; j++) {
        val[j] = r.nextFloat() * 2 - 0.5f;
      }
      SparseVector v = SparseVector.of(idx, val);
      PointId id = new PointId.Num(i);
      vectors.put(id, v);
      points.add(new Point(id, Map.of("", new float[] {1, 0}), Map.of("s", v), null));
    }
    dispatcher.points().update("c", new UpdateOp.Upsert(points), true);
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
  }

  private List<ScoredPoint> run(Queries.Query query, int limit) {
    return ExampleQueries.run(dispatcher, "s", query, limit);
  }

  private float sim(PointId a, long b) {
    float d = vectors.get(a).dot(vectors.get(new PointId.Num(b)));
    return Float.isNaN(d) ? 0 : d;
  }

  /**
   * The best scores of the points sharing a dimension with one of the examples (the only candidates
   * of a sparse query), the examples themselves left out.
   */
  private List<Float> bruteForce(ToDoubleFunction<PointId> score, Set<Long> examples, int limit) {
    return vectors.keySet().stream()
        .filter(id -> !examples.contains(((PointId.Num) id).value()))
        .filter(
            id ->
                examples.stream()
                    .anyMatch(
                        e -> !Float.isNaN(vectors.get(id).dot(vectors.get(new PointId.Num(e))))))
        .map(id -> (float) score.applyAsDouble(id))
        .sorted(Comparator.reverseOrder())
        .limit(limit)
        .toList();
  }

  @Test
  void recommendationsScoreBySparseDotProducts() {
    var sum =
        run(
            new Queries.Query.Recommend(
                List.of(ExampleQueries.id(1), ExampleQueries.id(2)),
                List.of(ExampleQueries.id(3)),
                Queries.Strategy.SUM_SCORES),
            10);
    assertThat(ExampleQueries.scores(sum))
        .usingElementComparator(ExampleQueries.CLOSE)
        .containsExactlyElementsOf(
            bruteForce(p -> sim(p, 1) + sim(p, 2) - sim(p, 3), Set.of(1L, 2L, 3L), 10));
    var best =
        run(
            new Queries.Query.Recommend(
                List.of(ExampleQueries.id(4)),
                List.of(ExampleQueries.id(5)),
                Queries.Strategy.BEST_SCORE),
            10);
    assertThat(ExampleQueries.scores(best))
        .usingElementComparator(ExampleQueries.CLOSE)
        .containsExactlyElementsOf(
            bruteForce(
                p -> {
                  float pos = sim(p, 4);
                  float neg = sim(p, 5);
                  return pos > neg
                      ? ExampleScores.scaledSigmoid(pos)
                      : -ExampleScores.scaledSigmoid(neg);
                },
                Set.of(4L, 5L),
                10));
    // average_vector: one search for 2 avg(pos) - avg(neg); only points sharing a dimension
    SparseVector target =
        vectors.get(new PointId.Num(6)).times(2).plus(vectors.get(new PointId.Num(7)), -1);
    var avg =
        run(
            new Queries.Query.Recommend(
                List.of(ExampleQueries.id(6)),
                List.of(ExampleQueries.id(7)),
                Queries.Strategy.AVERAGE_VECTOR),
            5);
    List<Float> want = new ArrayList<>();
    vectors.forEach(
        (id, v) -> {
          float d = target.dot(v);
          long n = ((PointId.Num) id).value();
          if (!Float.isNaN(d) && n != 6 && n != 7) {
            want.add(d);
          }
        });
    want.sort(Comparator.reverseOrder());
    assertThat(ExampleQueries.scores(avg))
        .usingElementComparator(ExampleQueries.CLOSE)
        .containsExactlyElementsOf(want.subList(0, 5));
  }

  @Test
  void discoverContextAndMmrRunOnSparseVectors() {
    var discover =
        run(
            new Queries.Query.Discover(
                ExampleQueries.id(10),
                List.of(new Queries.Pair(ExampleQueries.id(11), ExampleQueries.id(12)))),
            10);
    assertThat(ExampleQueries.scores(discover))
        .usingElementComparator(ExampleQueries.CLOSE)
        .containsExactlyElementsOf(
            bruteForce(
                p -> (sim(p, 11) > sim(p, 12) ? 1 : -1) + ExampleScores.scaledSigmoid(sim(p, 10)),
                Set.of(10L, 11L, 12L),
                10));
    var context =
        run(
            new Queries.Query.Context(
                List.of(new Queries.Pair(ExampleQueries.id(20), ExampleQueries.id(21)))),
            5);
    assertThat(context).hasSize(5);
    assertThat(context.getFirst().score()).isLessThanOrEqualTo(0f);
    var mmr =
        run(
            new Queries.Query.Nearest(
                new Queries.Example.Sparse(vectors.get(new PointId.Num(30))),
                new Queries.Mmr(0.5f, 20)),
            5);
    assertThat(mmr).hasSize(5);
    assertThatThrownBy(
            () ->
                run(
                    new Queries.Query.Nearest(new Queries.Example.Vector(new float[] {1}), null),
                    5))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("is sparse");
  }
}
