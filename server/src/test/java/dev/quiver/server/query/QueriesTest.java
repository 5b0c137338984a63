package dev.quiver.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ShardingMethod;
import dev.quiver.storage.Storage;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
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
 * The query engine against a real single-node dispatcher and storage: each scorer's results are
 * compared with a brute-force ranking of every point computed here from the formulas.
 */
public class QueriesTest {
  private static final int N = 300;
  private static final int DIM = 8;
  private static final long SEED = 20261129L;

  @TempDir Path dir;
  private Dispatcher dispatcher;
  private final Map<PointId, float[]> vectors = new java.util.HashMap<>();

  @BeforeEach
  void setUp() {
    System.out.println("QueriesTest seed " + SEED);
    dispatcher =
        dev.quiver.cluster.Dispatchers.singleNode(
            Storage.open(dir.resolve("storage")), dir.resolve("snap"));
    dispatcher.catalog().createCollection("c", config());
    dispatcher.catalog().createCollection("groups", config());
    Random r = new Random(SEED);
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      float[] v = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        v[d] = (float) r.nextGaussian();
      }
      PointId id = new PointId.Num(i);
      vectors.put(id, Distance.COSINE.prepare(v));
      points.add(
          new Point(
              id,
              Map.of("", v),
              new Value.Struct(Map.of("n", new Value.Int(i), "group", new Value.Int(i % 7)))));
    }
    dispatcher.points().update("c", new UpdateOp.Upsert(points), true);
    List<Point> groupPoints = new ArrayList<>();
    for (int g = 0; g < 7; g++) {
      groupPoints.add(
          new Point(
              new PointId.Num(g),
              Map.of("", new float[DIM]),
              new Value.Struct(Map.of("name", new Value.Str("group " + g)))));
    }
    dispatcher.points().update("groups", new UpdateOp.Upsert(groupPoints), true);
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
  }

  private static CollectionConfig config() {
    return new CollectionConfig(
        Map.of("", new VectorParams(DIM, Distance.COSINE, null)),
        1,
        1,
        1,
        false,
        HnswConfig.DEFAULT,
        OptimizersConfig.DEFAULT,
        WalConfig.DEFAULT,
        ShardingMethod.AUTO);
  }

  private List<ScoredPoint> run(Queries.Query query, int limit) {
    return run(stage(List.of(), query, null, limit), 0);
  }

  private List<ScoredPoint> run(Queries.Stage stage, int offset) {
    return Queries.run(
        dispatcher,
        "c",
        new Queries.Request(stage, offset, WithPayload.NONE, WithVectors.NONE),
        ReadConsistency.ONE,
        ShardSelector.ALL);
  }

  private static Queries.Stage stage(
      List<Queries.Stage> prefetch, Queries.Query query, Filter filter, int limit) {
    return new Queries.Stage(prefetch, query, "", filter, null, false, null, limit, null);
  }

  private static Queries.Example id(long id) {
    return new Queries.Example.Point(new PointId.Num(id));
  }

  private float sim(PointId a, long b) {
    return Distance.COSINE.similarity(vectors.get(a), vectors.get(new PointId.Num(b)));
  }

  /** The best {@code limit} points (without {@code excluded}) by {@code score}, best first. */
  private List<PointId> bruteForce(ToDoubleFunction<PointId> score, Set<Long> excluded, int limit) {
    return vectors.keySet().stream()
        .filter(id -> !excluded.contains(((PointId.Num) id).value()))
        .sorted(
            Comparator.comparingDouble((PointId id) -> -score.applyAsDouble(id))
                .thenComparing(id -> id))
        .limit(limit)
        .toList();
  }

  private static List<PointId> ids(List<ScoredPoint> points) {
    return points.stream().map(ScoredPoint::id).toList();
  }

  @Test
  void bestScoreAndSumScoresRankEveryPointByTheirFormulas() {
    var best =
        run(
            new Queries.Query.Recommend(
                List.of(id(1), id(2)), List.of(id(3)), Queries.Strategy.BEST_SCORE),
            10);
    assertThat(ids(best))
        .containsExactlyElementsOf(
            bruteForce(
                p -> {
                  float pos = Math.max(sim(p, 1), sim(p, 2));
                  float neg = sim(p, 3);
                  return pos > neg
                      ? ExampleScores.scaledSigmoid(pos)
                      : -ExampleScores.scaledSigmoid(neg);
                },
                Set.of(1L, 2L, 3L),
                10));
    var sum =
        run(
            new Queries.Query.Recommend(
                List.of(id(1), id(2)), List.of(id(3)), Queries.Strategy.SUM_SCORES),
            10);
    assertThat(ids(sum))
        .containsExactlyElementsOf(
            bruteForce(p -> sim(p, 1) + sim(p, 2) - sim(p, 3), Set.of(1L, 2L, 3L), 10));
    assertThat(sum.getFirst().score())
        .isCloseTo(
            sim(sum.getFirst().id(), 1) + sim(sum.getFirst().id(), 2) - sim(sum.getFirst().id(), 3),
            org.assertj.core.data.Offset.offset(1e-4f));
  }

  @Test
  void relevanceFeedbackFollowsQdrantsNaiveFormula() {
    long[] examples = {10, 20, 30};
    float[] scores = {0.9f, 0.5f, 0.1f};
    float a = 1f;
    float b = 1.5f;
    float c = 0.7f;
    List<Queries.FeedbackItem> feedback = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      feedback.add(new Queries.FeedbackItem(id(examples[i]), scores[i]));
    }
    ToDoubleFunction<PointId> naive =
        p -> {
          double score = a * sim(p, 3);
          for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
              if (scores[i] > scores[j]) {
                score +=
                    Math.pow(scores[i] - scores[j], b)
                        * c
                        * (sim(p, examples[i]) - sim(p, examples[j]));
              }
            }
          }
          return score;
        };
    var found = run(new Queries.Query.Feedback(id(3), feedback, a, b, c), 10);
    assertThat(ids(found))
        .containsExactlyElementsOf(bruteForce(naive, Set.of(3L, 10L, 20L, 30L), 10));
    for (ScoredPoint p : found) {
      assertThat((double) p.score())
          .isCloseTo(naive.applyAsDouble(p.id()), org.assertj.core.data.Offset.offset(1e-4));
    }
    // without pairs (one example) it is the target's similarity times a
    var single =
        run(
            new Queries.Query.Feedback(
                id(3), List.of(new Queries.FeedbackItem(id(10), 1f)), 2f, 1f, 1f),
            5);
    assertThat(ids(single))
        .containsExactlyElementsOf(bruteForce(p -> 2 * sim(p, 3), Set.of(3L, 10L), 5));
    // every ordered pair is weighed: the examples are bounded before anything runs
    List<Queries.FeedbackItem> many = new ArrayList<>();
    for (int i = 0; i <= Queries.Query.Feedback.MAX_EXAMPLES; i++) {
      many.add(new Queries.FeedbackItem(id(i), i));
    }
    assertThatThrownBy(() -> new Queries.Query.Feedback(id(3), many, 1f, 1f, 1f))
        .isInstanceOf(RequestException.Invalid.class)
        .hasMessageContaining("at most 64 examples");
  }

  @Test
  void discoverAndContextFollowTheirPairs() {
    var discover =
        run(
            new Queries.Query.Discover(
                id(10),
                List.of(new Queries.Pair(id(11), id(12)), new Queries.Pair(id(13), id(14)))),
            10);
    assertThat(ids(discover))
        .containsExactlyElementsOf(
            bruteForce(
                p -> {
                  int rank =
                      (sim(p, 11) > sim(p, 12) ? 1 : -1) + (sim(p, 13) > sim(p, 14) ? 1 : -1);
                  return rank + ExampleScores.scaledSigmoid(sim(p, 10));
                },
                Set.of(10L, 11L, 12L, 13L, 14L),
                10));
    var context = run(new Queries.Query.Context(List.of(new Queries.Pair(id(20), id(21)))), 5);
    // a point closer to the positive than to the negative has no loss: score 0, the best there is
    for (ScoredPoint p : context) {
      assertThat(sim(p.id(), 20)).isGreaterThan(sim(p.id(), 21));
      assertThat(p.score()).isEqualTo(0f);
    }
    assertThat(ids(context)).doesNotContain(new PointId.Num(20), new PointId.Num(21));
  }

  @Test
  void prefetchRestrictsTheCandidatesAndTheQueryReranksThem() {
    Filter small =
        new Filter(
            List.of(new Condition.Range("n", null, null, 50.0, null, false)),
            List.of(),
            List.of(),
            null);
    float[] q = vectors.get(new PointId.Num(7)).clone();
    var prefetch = stage(List.of(), new Queries.Query.Nearest(id(5), null), small, 20);
    var result =
        run(
            stage(
                List.of(prefetch),
                new Queries.Query.Nearest(new Queries.Example.Vector(q), null),
                null,
                5),
            0);
    var candidates = run(prefetch, 0);
    assertThat(candidates).hasSize(20);
    assertThat(ids(result)).isSubsetOf(ids(candidates));
    List<PointId> expected =
        ids(candidates).stream()
            .sorted(
                Comparator.comparingDouble(
                    (PointId p) ->
                        -Distance.COSINE.similarity(
                            vectors.get(p), vectors.get(new PointId.Num(7)))))
            .limit(5)
            .toList();
    assertThat(ids(result)).containsExactlyElementsOf(expected);
  }

  @Test
  void reciprocalRankFusionAddsWeightedReciprocalRanks() {
    var a = stage(List.of(), new Queries.Query.Nearest(id(1), null), null, 10);
    var b = stage(List.of(), new Queries.Query.Nearest(id(2), null), null, 10);
    var ra = ids(run(a, 0));
    var rb = ids(run(b, 0));
    var fused =
        run(stage(List.of(a, b), new Queries.Query.Fusion(false, 2, List.of()), null, 30), 0);
    Set<PointId> union = new HashSet<>(ra);
    union.addAll(rb);
    assertThat(fused).hasSize(union.size());
    for (ScoredPoint p : fused) {
      double expected =
          (ra.contains(p.id()) ? 1.0 / (2 + ra.indexOf(p.id())) : 0)
              + (rb.contains(p.id()) ? 1.0 / (2 + rb.indexOf(p.id())) : 0);
      assertThat((double) p.score()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
    }
    assertThat(fused).isSortedAccordingTo(Comparator.comparingDouble(p -> -p.score()));
    assertThatThrownBy(
            () ->
                run(
                    stage(List.of(a, b), new Queries.Query.Fusion(false, 2, List.of(1f)), null, 5),
                    0))
        .isInstanceOf(StorageException.BadInput.class);
    assertThatThrownBy(() -> run(new Queries.Query.Fusion(false, 2, List.of()), 5))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessage("Bad request: cannot apply Fusion without prefetches");
    var dbsf = run(stage(List.of(a, b), new Queries.Query.Fusion(true, 0, List.of()), null, 5), 0);
    assertThat(dbsf).hasSize(5).isSortedAccordingTo(Comparator.comparingDouble(p -> -p.score()));
  }

  @Test
  void mmrWithoutDiversityIsTheNearestOrderAndWithItPicksOthers() {
    var target = new Queries.Example.Vector(vectors.get(new PointId.Num(42)));
    var plain = ids(run(new Queries.Query.Nearest(target, null), 10));
    var noDiversity = ids(run(new Queries.Query.Nearest(target, new Queries.Mmr(0f, 50)), 10));
    assertThat(noDiversity).containsExactlyElementsOf(plain);
    var diverse = ids(run(new Queries.Query.Nearest(target, new Queries.Mmr(0.9f, 50)), 10));
    assertThat(diverse.getFirst()).isEqualTo(plain.getFirst());
    assertThat(diverse).isNotEqualTo(plain);
  }

  @Test
  void orderBySampleAndIdOrderWithoutAQuery() {
    dispatcher
        .catalog()
        .setPayloadIndex("c", "n", new PayloadIndexSpec("integer", Value.Struct.EMPTY));
    var ordered = run(new Queries.Query.OrderBy(new Ordering.OrderBy("n", true, null)), 3);
    assertThat(ids(ordered))
        .containsExactly(new PointId.Num(N - 1), new PointId.Num(N - 2), new PointId.Num(N - 3));
    assertThat(ordered.getFirst().orderValue()).isEqualTo(new Value.Int(N - 1));
    var byId = run((Queries.Query) null, 4);
    assertThat(ids(byId))
        .containsExactly(
            new PointId.Num(0), new PointId.Num(1), new PointId.Num(2), new PointId.Num(3));
    var sample = run(new Queries.Query.Sample(), 20);
    assertThat(new HashSet<>(ids(sample))).hasSize(20);
    assertThat(run(stage(List.of(), null, null, 4), 2))
        .extracting(ScoredPoint::id)
        .containsExactly(
            new PointId.Num(2), new PointId.Num(3), new PointId.Num(4), new PointId.Num(5));
  }

  @Test
  void groupsLookTheirIdsUp() {
    var request =
        new Queries.Request(
            stage(List.of(), new Queries.Query.Nearest(id(3), null), null, 3),
            0,
            WithPayload.NONE,
            WithVectors.NONE);
    var groups =
        Groups.search(
            dispatcher,
            "c",
            request,
            "group",
            2,
            3,
            new Groups.WithLookup("groups", WithPayload.ALL, WithVectors.NONE),
            ReadConsistency.ONE,
            ShardSelector.ALL);
    assertThat(groups).hasSize(3);
    for (var g : groups) {
      assertThat(g.hits()).hasSize(2);
      long key = ((Value.Int) g.id()).value();
      assertThat(g.lookup().payload().fields().get("name"))
          .isEqualTo(new Value.Str("group " + key));
    }
  }

  @Test
  void examplesThatDoNotExistOrDoNotFitAreRefused() {
    assertThatThrownBy(
            () ->
                run(
                    new Queries.Query.Recommend(
                        List.of(id(9999)), List.of(), Queries.Strategy.BEST_SCORE),
                    3))
        .isInstanceOf(StorageException.NotFound.class);
    assertThatThrownBy(
            () ->
                run(
                    new Queries.Query.Discover(new Queries.Example.Vector(new float[3]), List.of()),
                    3))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("expected dim: 8, got 3");
  }
}
