package dev.quiver.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.Dispatchers;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.server.query.Formula.Expression;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Formula queries through the query engine on a real single-node dispatcher with two shards: the
 * formula re-ranks the union of its prefetches, each point scored from its prefetch scores, its
 * payload and its conditions; the expected ranking is computed here, point by point.
 */
public class FormulaQueriesTest {
  private static final int N = 40;

  @TempDir Path dir;
  private Dispatcher dispatcher;

  @BeforeEach
  void setUp() {
    dispatcher = Dispatchers.singleNode(Storage.open(dir.resolve("storage")), dir.resolve("snap"));
    dispatcher
        .catalog()
        .createCollection(
            "c",
            new CollectionConfig(
                Map.of("", new VectorParams(2, Distance.DOT, null)),
                2,
                1,
                1,
                false,
                HnswConfig.DEFAULT,
                OptimizersConfig.DEFAULT,
                WalConfig.DEFAULT,
                ShardingMethod.AUTO));
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      double angle = i * Math.PI / (2 * N);
      Map<String, Value> payload = new HashMap<>();
      payload.put("price", new Value.Int(i % 9));
      payload.put("color", new Value.Str(i % 3 == 0 ? "red" : "blue"));
      if (i % 4 != 0) {
        payload.put("boost", new Value.Double(i / 10.0));
      }
      points.add(
          new Point(
              new PointId.Num(i),
              Map.of("", new float[] {(float) Math.cos(angle), (float) Math.sin(angle)}),
              new Value.Struct(payload)));
    }
    dispatcher.points().update("c", new UpdateOp.Upsert(points), true);
  }

  @AfterEach
  void tearDown() {
    dispatcher.close();
  }

  private List<ScoredPoint> run(Queries.Stage stage) {
    return Queries.run(
        dispatcher,
        "c",
        new Queries.Request(stage, 0, WithPayload.NONE, WithVectors.NONE),
        ReadConsistency.ONE,
        ShardSelector.ALL);
  }

  private static Queries.Stage nearest(float x, float y, Filter filter, int limit) {
    return new Queries.Stage(
        List.of(),
        new Queries.Query.Nearest(new Queries.Example.Vector(new float[] {x, y}), null),
        "",
        filter,
        null,
        true,
        null,
        limit,
        null);
  }

  private static Queries.Stage formula(
      List<Queries.Stage> prefetch, Formula f, Float threshold, int limit) {
    return new Queries.Stage(
        prefetch, new Queries.Query.ByFormula(f), "", null, null, false, threshold, limit, null);
  }

  private static Expression c(double v) {
    return new Expression.Constant(v);
  }

  private static final Condition RED = new Condition.Match("color", new Value.Str("red"));

  @Test
  void aFormulaReRanksThePrefetchedPointsByScorePayloadAndCondition() {
    // $score + 0.5 * price + red (1 or 0)
    Formula f =
        new Formula(
            new Expression.Sum(
                List.of(
                    Formula.variable("$score"),
                    new Expression.Mult(List.of(c(0.5), Formula.variable("price"))),
                    new Expression.Check(RED))),
            Map.of());
    Queries.Stage prefetch = nearest(1, 0, null, 15);
    List<ScoredPoint> candidates = run(prefetch);
    assertThat(candidates).hasSize(15);
    List<ScoredPoint> expected = new ArrayList<>();
    for (ScoredPoint p : candidates) {
      long i = ((PointId.Num) p.id()).value();
      double score = p.score() + 0.5 * (i % 9) + (i % 3 == 0 ? 1 : 0);
      expected.add(new ScoredPoint(p.id(), 0, (float) score, null, null, null));
    }
    expected.sort(
        Comparator.comparingDouble((ScoredPoint p) -> -p.score()).thenComparing(ScoredPoint::id));

    List<ScoredPoint> got = run(formula(List.of(prefetch), f, null, 10));
    assertThat(got)
        .extracting(ScoredPoint::id)
        .containsExactlyElementsOf(expected.subList(0, 10).stream().map(ScoredPoint::id).toList());
    for (int k = 0; k < 10; k++) {
      assertThat(got.get(k).score()).isEqualTo(expected.get(k).score());
    }
    // the threshold keeps what scores at least that much
    float cut = expected.get(4).score();
    assertThat(run(formula(List.of(prefetch), f, cut, 10)))
        .extracting(ScoredPoint::id)
        .containsExactlyElementsOf(
            expected.stream().filter(p -> p.score() >= cut).map(ScoredPoint::id).toList());
  }

  @Test
  void eachPrefetchAnswersItsOwnScoreAndAQueryLessPrefetchScoresOne() {
    // $score[0] from a vector search, $score[1] from a filter-only prefetch (1 for its points,
    // else the default 0.25); the filter prefetch finds the red points
    Formula f =
        new Formula(
            new Expression.Sum(
                List.of(
                    Formula.variable("$score[0]"),
                    new Expression.Mult(List.of(c(10), Formula.variable("$score[1]"))))),
            Map.of("$score[1]", new Value.Double(0.25)));
    Queries.Stage vectors = nearest(0, 1, null, 6);
    Queries.Stage reds =
        new Queries.Stage(
            List.of(),
            null,
            "",
            new Filter(List.of(RED), List.of(), List.of(), null),
            null,
            false,
            null,
            100,
            null);
    Map<PointId, Float> first = new HashMap<>();
    run(vectors).forEach(p -> first.put(p.id(), p.score()));
    List<ScoredPoint> got = run(formula(List.of(vectors, reds), f, null, 100));
    assertThat(got)
        .hasSize(
            (int)
                (first.size()
                    + 14
                    - first.keySet().stream()
                        .filter(id -> ((PointId.Num) id).value() % 3 == 0)
                        .count()));
    for (ScoredPoint p : got) {
      long i = ((PointId.Num) p.id()).value();
      double expected = first.getOrDefault(p.id(), 0f) + 10 * (i % 3 == 0 ? 1.0 : 0.25);
      assertThat(p.score()).as("point %d", i).isEqualTo((float) expected);
    }
  }

  @Test
  void missingValuesTakeTheirDefaultOrFailTheQuery() {
    Queries.Stage prefetch = nearest(1, 1, null, 40);
    Formula strict = new Formula(Formula.variable("boost"), Map.of());
    assertThatThrownBy(() -> run(formula(List.of(prefetch), strict, null, 5)))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("No value found in a payload nor defaults");
    Formula lenient = new Formula(Formula.variable("boost"), Map.of("boost", new Value.Int(100)));
    List<ScoredPoint> got = run(formula(List.of(prefetch), lenient, null, 10));
    // every fourth point lacks boost and takes 100: ids 0, 4, ..., 36
    assertThat(got)
        .extracting(p -> ((PointId.Num) p.id()).value())
        .containsExactly(0L, 4L, 8L, 12L, 16L, 20L, 24L, 28L, 32L, 36L);
    assertThat(got).allSatisfy(p -> assertThat(p.score()).isEqualTo(100f));
  }

  @Test
  void aFormulaNeedsAPrefetch() {
    assertThatThrownBy(() -> run(formula(List.of(), new Formula(c(1), Map.of()), null, 5)))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessage("cannot apply Formula without prefetches");
  }
}
