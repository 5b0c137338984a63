package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filters the payload indexes answer but that pass too many points for a scan of just those: the
 * graph walk takes the indexed candidates as its test (exact ones alone, a superset with the
 * filter), and still returns only points that pass, with the recall of the exact answer.
 */
class FilteredGraphSearchTest {
  @TempDir Path dir;

  @Test
  void indexedFiltersOverManyPointsWalkTheGraphWithTheirCandidates() {
    long seed = TestSeed.of("indexedFiltersOverManyPointsWalkTheGraphWithTheirCandidates");
    Random r = new Random(seed);
    int dim = 16;
    int n = 4000;
    var cfg =
        new CollectionConfig(
            Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(dim, Distance.COSINE, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 100, 0, 0, false),
            new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
            WalConfig.DEFAULT);
    try (LocalShard shard = new LocalShard(dir, cfg)) {
      TreeMap<String, PayloadIndexSpec> specs = new TreeMap<>();
      specs.put("tag", new PayloadIndexSpec("keyword", null));
      specs.put("n", new PayloadIndexSpec("integer", null));
      shard.payloadIndexes(specs);
      List<Point> points = new ArrayList<>();
      String[] tags = {"a", "b", "c", "d"};
      for (int i = 0; i < n; i++) {
        float[] v = new float[dim];
        for (int j = 0; j < dim; j++) {
          v[j] = (float) r.nextGaussian();
        }
        points.add(
            new Point(
                PointId.of(i),
                Map.of("", v),
                new Value.Struct(
                    Map.of("tag", new Value.Str(tags[i % 4]), "n", new Value.Int(i % 100)))));
      }
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();

      Condition ab = new Condition.MatchAny("tag", List.of(new Value.Str("a"), new Value.Str("b")));
      Condition low = new Condition.Range("n", null, null, 60.0, null, false);
      record Case(String name, Filter filter, Predicate<Value.Struct> passes) {}
      List<Case> cases =
          List.of(
              new Case(
                  "one value, exact (25%)",
                  new Filter(
                      List.of(new Condition.Match("tag", new Value.Str("c"))),
                      List.of(),
                      List.of(),
                      null),
                  p -> tag(p).equals("c")),
              new Case(
                  "any of two, exact (50%)",
                  new Filter(List.of(ab), List.of(), List.of(), null),
                  p -> tag(p).equals("a") || tag(p).equals("b")),
              new Case(
                  "a range over sixty values, exact (60%)",
                  new Filter(List.of(low), List.of(), List.of(), null), p -> number(p) < 60),
              new Case(
                  "indexed candidates and a further test (30%)",
                  new Filter(List.of(ab, low), List.of(), List.of(), null),
                  p -> (tag(p).equals("a") || tag(p).equals("b")) && number(p) < 60),
              new Case(
                  "either of two indexed conditions (62.5%)",
                  new Filter(List.of(), List.of(ab, low), List.of(), null),
                  p -> tag(p).equals("a") || tag(p).equals("b") || number(p) < 60));
      for (Case c : cases) {
        int hits = 0;
        int expected = 0;
        for (int q = 0; q < 30; q++) {
          float[] query = points.get(r.nextInt(n)).vectors().get("");
          List<ScoredPoint> exact = search(shard, query, c.filter(), true);
          List<ScoredPoint> walked = search(shard, query, c.filter(), false);
          assertThat(walked).as(c.name()).hasSize(10);
          for (ScoredPoint p : walked) {
            assertThat(c.passes().test(p.payload())).as(c.name() + ": " + p.id()).isTrue();
          }
          List<PointId> truth = exact.stream().map(ScoredPoint::id).toList();
          expected += truth.size();
          hits += (int) walked.stream().filter(p -> truth.contains(p.id())).count();
        }
        assertThat(hits / (double) expected).as(c.name()).isGreaterThanOrEqualTo(0.9);
      }
    }
  }

  private static List<ScoredPoint> search(
      LocalShard shard, float[] query, Filter filter, boolean exact) {
    return shard.search(
        new SearchRequest(
            "", query, 10, 0, null, WithPayload.ALL, WithVectors.NONE, 64, exact, filter));
  }

  private static String tag(Value.Struct p) {
    return ((Value.Str) p.fields().get("tag")).value();
  }

  private static long number(Value.Struct p) {
    return ((Value.Int) p.fields().get("n")).value();
  }
}
