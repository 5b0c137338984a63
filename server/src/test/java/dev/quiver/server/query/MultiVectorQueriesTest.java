package dev.quiver.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.Dispatchers;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SparseVector;
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
 * Example-based queries of a multivector (recommend with each strategy, discover, context, MMR, a
 * query by a point's multivector) against a brute force ranking of every point by the same formulas
 * over MaxSim, the example's rows matched with the candidate's as Qdrant scores them.
 */
class MultiVectorQueriesTest {
  private static final int N = 200;
  private static final int DIM = 3;
  private static final long SEED = 20261203L;

  @TempDir Path dir;
  private Dispatcher dispatcher;
  private final Map<PointId, float[][]> rows = new HashMap<>();

  @BeforeEach
  void setUp() {
    dispatcher = Dispatchers.singleNode(Storage.open(dir.resolve("storage")), dir.resolve("snap"));
    dispatcher
        .catalog()
        .createCollection(
            "c",
            new CollectionConfig(
                Map.of(
                    "d", new VectorParams(2, Distance.DOT, null),
                    "m", new VectorParams(DIM, Distance.DOT, null, null, true)),
                1,
                1,
                1,
                false,
                HnswConfig.DEFAULT,
                OptimizersConfig.DEFAULT,
                WalConfig.DEFAULT));
    Random r = new Random(SEED);
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      float[][] m = new float[1 + r.nextInt(4)][DIM];
      for (float[] row : m) {
        for (int d = 0; d < DIM; d++) {
          row[d] = r.nextFloat() * 2 - 1;
        }
      }
      PointId id = new PointId.Num(i);
      rows.put(id, m);
      points.add(new Point(id, Map.of("d", new float[] {1, 0}), Map.of(), null, Map.of("m", m)));
    }
    dispatcher.points().update("c", new UpdateOp.Upsert(points), true);
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
  }

  private List<ScoredPoint> run(Queries.Query query, int limit) {
    return ExampleQueries.run(dispatcher, "m", query, limit);
  }

  /** MaxSim: each row of {@code query} with its best row of {@code candidate}, summed. */
  private static float maxSim(float[][] candidate, float[][] query) {
    float sum = 0;
    for (float[] q : query) {
      float best = Float.NEGATIVE_INFINITY;
      for (float[] d : candidate) {
        float dot = 0;
        for (int i = 0; i < q.length; i++) {
          dot += q[i] * d[i];
        }
        best = Math.max(best, dot);
      }
      sum += best;
    }
    return sum;
  }

  private float sim(PointId candidate, long example) {
    return maxSim(rows.get(candidate), rows.get(new PointId.Num(example)));
  }

  private List<Float> bruteForce(ToDoubleFunction<PointId> score, Set<Long> examples, int limit) {
    return ExampleQueries.bruteForce(rows, score, examples, limit);
  }

  @Test
  void recommendationsScoreByMaxSim() {
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
  }

  /**
   * {@code average_vector} as Qdrant does it for multivectors: the positive examples' rows joined,
   * then the negative examples' rows negated and joined, one MaxSim search by the result.
   */
  @Test
  void averageVectorJoinsRowsAndNegatesTheNegativeOnes() {
    float[][] a = rows.get(new PointId.Num(6));
    float[][] b = rows.get(new PointId.Num(7));
    float[][] c = rows.get(new PointId.Num(8));
    List<float[]> target = new ArrayList<>(List.of(a));
    target.addAll(List.of(b));
    for (float[] row : c) {
      target.add(new float[] {-row[0], -row[1], -row[2]});
    }
    float[][] query = target.toArray(new float[0][]);
    var avg =
        run(
            new Queries.Query.Recommend(
                List.of(ExampleQueries.id(6), ExampleQueries.id(7)),
                List.of(ExampleQueries.id(8)),
                Queries.Strategy.AVERAGE_VECTOR),
            5);
    assertThat(ExampleQueries.scores(avg))
        .usingElementComparator(ExampleQueries.CLOSE)
        .containsExactlyElementsOf(
            bruteForce(p -> maxSim(rows.get(p), query), Set.of(6L, 7L, 8L), 5));
  }

  @Test
  void discoverContextMmrAndAPointsOwnRows() {
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

    // nearest to a point's multivector: the point itself left out, MaxSim with its rows as query
    var nearest = run(new Queries.Query.Nearest(ExampleQueries.id(30), null), 5);
    assertThat(ExampleQueries.scores(nearest))
        .usingElementComparator(ExampleQueries.CLOSE)
        .containsExactlyElementsOf(bruteForce(p -> sim(p, 30), Set.of(30L), 5));

    // MMR: the most relevant first, then diversity among the 20 nearest
    var mmr =
        run(
            new Queries.Query.Nearest(
                new Queries.Example.Multi(rows.get(new PointId.Num(40))),
                new Queries.Mmr(0.5f, 20)),
            5);
    assertThat(mmr).hasSize(5);
    PointId mostRelevant =
        rows.keySet().stream().max(Comparator.comparingDouble(p -> sim(p, 40))).orElseThrow();
    assertThat(mmr.getFirst().id()).isEqualTo(mostRelevant);

    assertThatThrownBy(
            () ->
                run(
                    new Queries.Query.Nearest(
                        new Queries.Example.Sparse(SparseVector.of(new int[] {1}, new float[] {1})),
                        null),
                    5))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("is a multivector");
    assertThatThrownBy(
            () ->
                run(
                    new Queries.Query.Nearest(
                        new Queries.Example.Multi(new float[][] {{1, 0}}), null),
                    5))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("expected dim: 3");
  }
}
