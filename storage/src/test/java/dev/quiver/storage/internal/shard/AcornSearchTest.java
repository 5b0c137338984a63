package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.AcornParams;
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
import dev.quiver.storage.internal.space.VectorSpace;
import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code params.acorn} as a shard plans it: a filtered graph walk goes as ACORN-1 only when the
 * request enables it and the filter's estimated selectivity is at most {@code max_selectivity},
 * estimated from the payload index when the filter's field has one and from a sample otherwise; the
 * walk returns only matches, and the same top ten as the plain walk here.
 */
class AcornSearchTest {
  @TempDir Path dir;

  private static final int DIM = 16;
  private static final int N = 4000;
  private static final String DENSE = CollectionConfig.DEFAULT_VECTOR;

  @Test
  void theWalkGoesAsAcornOnlyWhenEnabledAndTheFilterIsSelectiveEnough() {
    Random r =
        new Random(TestSeed.of("theWalkGoesAsAcornOnlyWhenEnabledAndTheFilterIsSelectiveEnough"));
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      float[] v = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        v[j] = (float) r.nextGaussian();
      }
      // colour: a fifth red; size: 70% big (not indexed)
      points.add(
          new Point(
              PointId.of(i),
              Map.of(DENSE, v),
              new Value.Struct(
                  Map.of(
                      "colour", new Value.Str(i % 5 == 0 ? "red" : "blue"),
                      "size", new Value.Str(i % 10 < 7 ? "big" : "small")))));
    }
    var config =
        new CollectionConfig(
            Map.of(DENSE, new VectorParams(DIM, Distance.COSINE, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 100, 0, 0, false), // full scan threshold 0: filters walk the graph
            new OptimizersConfig(0.2, 10, 0, null, 1, 5, null),
            WalConfig.DEFAULT);
    try (LocalShard shard = new LocalShard(dir, config)) {
      TreeMap<String, PayloadIndexSpec> indexes = new TreeMap<>();
      indexes.put("colour", new PayloadIndexSpec("keyword", null));
      shard.payloadIndexes(indexes);
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();
      VectorSpace space = shard.spaces.get(DENSE);
      Filter red = must("colour", "red"); // indexed, 20%
      Filter big = must("size", "big"); // not indexed, ~70% by a sample
      float[] q = points.get(r.nextInt(N)).vectors().get(DENSE);

      long walks = space.acornWalks();
      List<ScoredPoint> plain = search(shard, q, red, null);
      assertThat(space.acornWalks()).as("not enabled").isEqualTo(walks);
      List<ScoredPoint> acorn = search(shard, q, red, AcornParams.DEFAULT);
      assertThat(space.acornWalks()).as("20% under the default 0.4").isEqualTo(walks + 1);
      assertThat(acorn).hasSize(10).allMatch(p -> ((PointId.Num) p.id()).value() % 5 == 0);
      assertThat(ids(acorn).stream().filter(ids(plain)::contains).count())
          .isGreaterThanOrEqualTo(9);
      search(shard, q, red, new AcornParams(0.1));
      assertThat(space.acornWalks()).as("20% over 0.1").isEqualTo(walks + 1);
      search(shard, q, big, AcornParams.DEFAULT);
      assertThat(space.acornWalks()).as("a sampled 70% over 0.4").isEqualTo(walks + 1);
      search(shard, q, big, new AcornParams(0.9));
      assertThat(space.acornWalks()).as("a sampled 70% under 0.9").isEqualTo(walks + 2);
      search(shard, q, null, new AcornParams(1.0));
      assertThat(space.acornWalks()).as("no filter").isEqualTo(walks + 2);
    }
  }

  private static Filter must(String key, String value) {
    return new Filter(
        List.of(new Condition.Match(key, new Value.Str(value))), List.of(), List.of(), null);
  }

  private static List<ScoredPoint> search(
      LocalShard shard, float[] q, Filter filter, AcornParams acorn) {
    return shard.search(
        new SearchRequest(
                DENSE, q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, 64, false, filter, null)
            .withAcorn(acorn));
  }

  private static List<PointId> ids(List<ScoredPoint> found) {
    return found.stream().map(ScoredPoint::id).toList();
  }
}
