package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.testing.TestSeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link ShardReader}/{@link ShardWriter} implementation must have. Subclasses
 * say how to open one over a directory.
 */
public abstract class ShardContractTest {
  /**
   * Optimizers that index from the first kilobyte, so these small collections walk the graph
   * (Qdrant's default threshold would leave them to exact scans).
   */
  static final OptimizersConfig INDEXED = new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null);

  @TempDir protected Path dir;

  /** A shard that is both reader and writer, and closeable. */
  public interface TestShard extends ShardReader, ShardWriter, AutoCloseable {
    @Override
    void close();
  }

  protected abstract TestShard open(Path dir, CollectionConfig config);

  protected static CollectionConfig config(Map<String, VectorParams> vectors) {
    return new CollectionConfig(
        vectors, 1, 1, 1, true, HnswConfig.DEFAULT, INDEXED, WalConfig.DEFAULT);
  }

  protected static CollectionConfig single(int dim, Distance d) {
    return config(Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(dim, d, null)));
  }

  private static Point point(long id, float... v) {
    return new Point(PointId.of(id), Map.of(CollectionConfig.DEFAULT_VECTOR, v), null);
  }

  private static SearchRequest search(float[] q, int limit) {
    return new SearchRequest(
        CollectionConfig.DEFAULT_VECTOR, q, limit, 0, null, WithPayload.ALL, WithVectors.NONE);
  }

  @ParameterizedTest
  @EnumSource(Distance.class)
  void searchIsExactForEveryDistance(Distance distance) {
    long seed = TestSeed.of("searchIsExactForEveryDistance(" + distance + ")");
    Random r = new Random(seed);
    int dim = 13;
    try (TestShard shard = open(dir, single(dim, distance))) {
      List<Point> points = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        float[] v = new float[dim];
        for (int j = 0; j < dim; j++) {
          v[j] = (float) r.nextGaussian();
        }
        points.add(point(i, v));
      }
      shard.apply(1, new UpdateOp.Upsert(points));
      float[] q = new float[dim];
      for (int j = 0; j < dim; j++) {
        q[j] = (float) r.nextGaussian();
      }
      // reference: plain double-precision scores in the test
      Map<Long, Double> ref = new HashMap<>();
      for (Point p : points) {
        ref.put(((PointId.Num) p.id()).value(), referenceScore(distance, q, p.vectors().get("")));
      }
      List<Long> expected =
          ref.keySet().stream()
              .sorted(
                  distance.higherIsBetter()
                      ? Comparator.comparing((Long k) -> ref.get(k)).reversed()
                      : Comparator.comparing((Long k) -> ref.get(k)))
              .limit(10)
              .toList();
      List<ScoredPoint> got = shard.search(search(q, 10));
      assertThat(got)
          .extracting(p -> ((PointId.Num) p.id()).value())
          .containsExactlyElementsOf(expected);
      for (ScoredPoint p : got) {
        assertThat((double) p.score())
            .isCloseTo(ref.get(((PointId.Num) p.id()).value()), within(1e-3));
      }
    }
  }

  private static double referenceScore(Distance d, float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0, l2 = 0, l1 = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
      l2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
      l1 += Math.abs((double) a[i] - b[i]);
    }
    return switch (d) {
      case COSINE -> dot / Math.sqrt(na) / Math.sqrt(nb);
      case DOT -> dot;
      case EUCLID -> Math.sqrt(l2);
      case MANHATTAN -> l1;
    };
  }

  @Test
  void scoreThresholdOffsetAndPayloadSelection() {
    try (TestShard shard = open(dir, single(2, Distance.EUCLID))) {
      List<Point> points = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        points.add(
            new Point(
                PointId.of(i),
                Map.of("", new float[] {i, 0}),
                new Value.Struct(Map.of("i", new Value.Int(i), "keep", new Value.Bool(true)))));
      }
      shard.apply(1, new UpdateOp.Upsert(points));
      float[] q = {0, 0};
      var within3 =
          shard.search(
              new SearchRequest(
                  "", q, 10, 0, 3.0f, WithPayload.include(List.of("i")), WithVectors.ALL));
      assertThat(within3).extracting(ScoredPoint::score).containsExactly(1f, 2f, 3f);
      assertThat(within3.getFirst().payload().fields()).containsOnlyKeys("i");
      assertThat(within3.getFirst().vectors().get("")).containsExactly(1f, 0f);
      var page =
          shard.search(new SearchRequest("", q, 2, 2, null, WithPayload.NONE, WithVectors.NONE));
      assertThat(page).extracting(p -> p.id().toString()).containsExactly("3", "4");
      assertThat(page.getFirst().payload()).isNull();
      assertThat(page.getFirst().vectors()).isNull();
    }
  }

  @Test
  void cosineVectorsAreNormalisedOnWrite() {
    try (TestShard shard = open(dir, single(2, Distance.COSINE))) {
      shard.apply(1, new UpdateOp.Upsert(List.of(point(1, 3, 4))));
      var r = shard.retrieve(List.of(PointId.of(1)), WithPayload.NONE, WithVectors.ALL);
      assertThat(r.getFirst().vectors().get(""))
          .containsExactly(new float[] {0.6f, 0.8f}, within(1e-6f));
    }
  }

  @Test
  void wrongDimensionOrNameIsRejectedAndWritesNothing() {
    var cfg =
        config(
            Map.of(
                "a",
                new VectorParams(2, Distance.DOT, null),
                "b",
                new VectorParams(3, Distance.DOT, null)));
    try (TestShard shard = open(dir, cfg)) {
      var bad = new Point(PointId.of(1), Map.of("a", new float[] {1, 2, 3}), null);
      var good = new Point(PointId.of(2), Map.of("a", new float[] {1, 2}), null);
      assertThatThrownBy(() -> shard.apply(1, new UpdateOp.Upsert(List.of(good, bad))))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("expected dim: 2, got 3");
      assertThatThrownBy(
              () ->
                  shard.apply(
                      1,
                      new UpdateOp.Upsert(
                          List.of(new Point(PointId.of(3), Map.of("c", new float[] {1}), null)))))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("Not existing vector name error: c");
      assertThat(shard.count()).isZero();
      assertThat(shard.lastAppliedOp()).isZero();
      assertThatThrownBy(
              () ->
                  shard.search(
                      new SearchRequest(
                          "b", new float[] {1}, 1, 0, null, WithPayload.NONE, WithVectors.NONE)))
          .isInstanceOf(StorageException.BadInput.class);
    }
    try (TestShard reopened = open(dir, cfg)) {
      assertThat(reopened.count()).isZero();
    }
  }

  @Test
  void appliedOpsAreSkippedOnReplayAndSurviveReopen() {
    var cfg = single(2, Distance.DOT);
    UUID uuid = UUID.randomUUID();
    try (TestShard shard = open(dir, cfg)) {
      assertThat(shard.apply(1, new UpdateOp.Upsert(List.of(point(1, 1, 1))))).isTrue();
      assertThat(
              shard.apply(
                  2,
                  new UpdateOp.Upsert(
                      List.of(new Point(PointId.of(uuid), Map.of("", new float[] {2, 2}), null)))))
          .isTrue();
      assertThat(shard.apply(2, new UpdateOp.DeletePoints(List.of(PointId.of(1))))).isFalse();
      assertThat(shard.apply(3, new UpdateOp.Upsert(List.of(point(3, 3, 3))))).isTrue();
      assertThat(shard.apply(4, new UpdateOp.DeletePoints(List.of(PointId.of(3), PointId.of(99)))))
          .isTrue();
      assertThat(shard.flush()).isEqualTo(4);
    }
    try (TestShard shard = open(dir, cfg)) {
      assertThat(shard.lastAppliedOp()).isEqualTo(4);
      assertThat(shard.count()).isEqualTo(2);
      var got =
          shard.retrieve(
              List.of(PointId.of(uuid), PointId.of(3), PointId.of(1), PointId.of(uuid)),
              WithPayload.ALL,
              WithVectors.NONE);
      assertThat(got).extracting(PointRecord::id).containsExactly(PointId.of(uuid), PointId.of(1));
      assertThat(shard.search(search(new float[] {1, 1}, 5)).getFirst().version()).isEqualTo(2);
    }
  }

  /**
   * {@code update_filter}: an upsert replaces an existing point only when it matches, inserts new
   * points regardless; a vector update changes only matching points; both survive replay.
   */
  @Test
  void updateFiltersGuardExistingPoints() {
    Filter v1 =
        new Filter(List.of(new Condition.Match("v", new Value.Int(1))), List.of(), List.of(), null);
    try (TestShard shard = open(dir, single(1, Distance.DOT))) {
      Value.Struct one = new Value.Struct(Map.of("v", new Value.Int(1)));
      Value.Struct two = new Value.Struct(Map.of("v", new Value.Int(2)));
      shard.apply(
          1,
          new UpdateOp.Upsert(
              List.of(
                  new Point(PointId.of(1), Map.of("", new float[] {1}), one),
                  new Point(PointId.of(2), Map.of("", new float[] {1}), two))));
      shard.apply(
          2,
          new UpdateOp.Upsert(
              List.of(
                  new Point(PointId.of(1), Map.of("", new float[] {5}), two), // matches: replaced
                  new Point(PointId.of(2), Map.of("", new float[] {5}), one), // not: kept
                  new Point(PointId.of(3), Map.of("", new float[] {5}), two)), // new: inserted
              UpdateOp.Upsert.Mode.UPSERT,
              v1));
      shard.apply(
          3,
          new UpdateOp.UpdateVectors(
              List.of(
                  new Point(PointId.of(2), Map.of("", new float[] {9}), null),
                  new Point(PointId.of(3), Map.of("", new float[] {9}), null)),
              new Filter(
                  List.of(new Condition.Match("v", new Value.Int(2))),
                  List.of(),
                  List.of(),
                  null)));
      var got =
          shard.retrieve(
              List.of(PointId.of(1), PointId.of(2), PointId.of(3)),
              WithPayload.ALL,
              WithVectors.ALL);
      assertThat(got.get(0).vectors().get("")).containsExactly(5f);
      assertThat(got.get(0).payload().fields().get("v")).isEqualTo(new Value.Int(2));
      assertThat(got.get(1).vectors().get("")).containsExactly(9f); // v = 2: vectors updated
      assertThat(got.get(1).payload().fields().get("v")).isEqualTo(new Value.Int(2));
      assertThat(got.get(2).vectors().get("")).containsExactly(9f);
    }
    try (TestShard reopened = open(dir, single(1, Distance.DOT))) {
      assertThat(
              reopened
                  .retrieve(List.of(PointId.of(2)), WithPayload.ALL, WithVectors.ALL)
                  .getFirst()
                  .vectors()
                  .get(""))
          .containsExactly(9f);
    }
  }

  /**
   * {@code update_mode}: insert_only leaves existing points (and a batch's repeated id) as they
   * were, update_only creates nothing; both survive replay. It was ignored: insert_only overwrote,
   * update_only created.
   */
  @Test
  void updateModesInsertOnlyAndUpdateOnly() {
    try (TestShard shard = open(dir, single(1, Distance.DOT))) {
      Value.Struct old = new Value.Struct(Map.of("v", new Value.Str("old")));
      Value.Struct neu = new Value.Struct(Map.of("v", new Value.Str("new")));
      shard.apply(
          1,
          new UpdateOp.Upsert(List.of(new Point(PointId.of(1), Map.of("", new float[] {1}), old))));
      shard.apply(
          2,
          new UpdateOp.Upsert(
              List.of(
                  new Point(PointId.of(1), Map.of("", new float[] {2}), neu),
                  new Point(PointId.of(2), Map.of("", new float[] {2}), neu),
                  new Point(PointId.of(2), Map.of("", new float[] {3}), old)),
              UpdateOp.Upsert.Mode.INSERT_ONLY));
      shard.apply(
          3,
          new UpdateOp.Upsert(
              List.of(
                  new Point(PointId.of(2), Map.of("", new float[] {4}), old),
                  new Point(PointId.of(3), Map.of("", new float[] {4}), neu)),
              UpdateOp.Upsert.Mode.UPDATE_ONLY));
      var got =
          shard.retrieve(
              List.of(PointId.of(1), PointId.of(2), PointId.of(3)),
              WithPayload.ALL,
              WithVectors.ALL);
      assertThat(got).hasSize(2);
      assertThat(got.get(0).payload()).isEqualTo(old); // insert_only kept point 1
      assertThat(got.get(0).vectors().get("")).containsExactly(1f);
      assertThat(got.get(1).payload()).isEqualTo(old); // update_only replaced point 2
      assertThat(got.get(1).vectors().get("")).containsExactly(4f);
      assertThat(shard.count()).isEqualTo(2); // update_only created no point 3
    }
    try (TestShard reopened = open(dir, single(1, Distance.DOT))) {
      assertThat(reopened.count()).isEqualTo(2);
      assertThat(
              reopened
                  .retrieve(List.of(PointId.of(2)), WithPayload.NONE, WithVectors.ALL)
                  .getFirst()
                  .vectors()
                  .get(""))
          .containsExactly(4f);
    }
  }

  /** A filter requiring every {@code key, value} pair given. */
  private static Filter every(Object... keyValues) {
    List<Condition> must = new ArrayList<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      must.add(new Condition.Match((String) keyValues[i], (Value) keyValues[i + 1]));
    }
    return new Filter(must, List.of(), List.of(), null);
  }

  @Test
  void payloadMatchesFollowPathsAndArrays() {
    try (TestShard shard = open(dir, single(1, Distance.DOT))) {
      var payload =
          new Value.Struct(
              Map.of(
                  "tokenId", new Value.Str("t42"),
                  "n", new Value.Int(7),
                  "user",
                      new Value.Struct(
                          Map.of(
                              "roles",
                              new Value.Array(List.of(new Value.Str("a"), new Value.Str("b")))))));
      shard.apply(
          1,
          new UpdateOp.Upsert(
              List.of(new Point(PointId.of(1), Map.of("", new float[] {1}), payload))));
      assertThat(shard.anyPayloadMatches(every("tokenId", new Value.Str("t42")))).isTrue();
      assertThat(
              shard.anyPayloadMatches(
                  every("tokenId", new Value.Str("t42"), "n", new Value.Double(7))))
          .isTrue();
      assertThat(shard.anyPayloadMatches(every("user.roles", new Value.Str("b")))).isTrue();
      assertThat(
              shard.anyPayloadMatches(
                  every("tokenId", new Value.Str("t42"), "n", new Value.Int(8))))
          .isFalse();
      assertThat(shard.anyPayloadMatches(every("user.missing", new Value.Str("b")))).isFalse();
      // two entries on one key: both must hold (a map kept only the last one)
      assertThat(
              shard.anyPayloadMatches(
                  every("user.roles", new Value.Str("a"), "user.roles", new Value.Str("b"))))
          .isTrue();
      assertThat(
              shard.anyPayloadMatches(
                  every("user.roles", new Value.Str("c"), "user.roles", new Value.Str("b"))))
          .isFalse();
      shard.apply(2, new UpdateOp.DeletePoints(List.of(PointId.of(1))));
      assertThat(shard.anyPayloadMatches(every("tokenId", new Value.Str("t42")))).isFalse();
    }
  }

  @Test
  void indexedSearchAgreesWithExactSearchAndSkipsDeletedPoints() {
    long seed = TestSeed.of("indexedSearchAgreesWithExactSearchAndSkipsDeletedPoints");
    Random r = new Random(seed);
    int dim = 16;
    var cfg =
        new CollectionConfig(
            Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(dim, Distance.EUCLID, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 100, 0, 0, false),
            INDEXED,
            WalConfig.DEFAULT);
    try (TestShard shard = open(dir, cfg)) {
      List<Point> points = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        float[] v = new float[dim];
        int cluster = r.nextInt(30);
        for (int j = 0; j < dim; j++) {
          v[j] = cluster * (j % 3) + (float) r.nextGaussian();
        }
        points.add(point(i, v));
      }
      shard.apply(1, new UpdateOp.Upsert(points));
      List<PointId> deleted = new ArrayList<>();
      for (int i = 0; i < 3000; i += 3) {
        deleted.add(PointId.of(i));
      }
      shard.apply(2, new UpdateOp.DeletePoints(deleted));
      int hits = 0;
      for (int q = 0; q < 50; q++) {
        float[] query = points.get(r.nextInt(points.size())).vectors().get("");
        var exact =
            shard.search(
                new SearchRequest(
                    "", query, 10, 0, null, WithPayload.NONE, WithVectors.NONE, null, true));
        var indexed =
            shard.search(
                new SearchRequest(
                    "", query, 10, 0, null, WithPayload.NONE, WithVectors.NONE, 64, false));
        assertThat(indexed).hasSize(10);
        assertThat(indexed).noneMatch(p -> deleted.contains(p.id()));
        var truth = exact.stream().map(ScoredPoint::id).toList();
        hits += (int) indexed.stream().filter(p -> truth.contains(p.id())).count();
        var page =
            shard.search(
                new SearchRequest(
                    "", query, 5, 5, null, WithPayload.NONE, WithVectors.NONE, 64, false));
        assertThat(page).hasSize(5);
      }
      assertThat(hits / 500.0).isGreaterThanOrEqualTo(0.95);
    }
  }

  /**
   * Limits, offsets and beam widths up to 2^31 are bounded by the data: every live point comes
   * back, nothing is sized by the request (these ended the JVM with "Requested array size exceeds
   * VM limit").
   */
  @Test
  void hugeLimitsOffsetsAndBeamWidthsAreBoundedByTheData() {
    var cfg =
        new CollectionConfig(
            Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(4, Distance.DOT, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(8, 32, 0, 0, false),
            INDEXED,
            WalConfig.DEFAULT);
    try (TestShard shard = open(dir, cfg)) {
      List<Point> points = new ArrayList<>();
      for (int i = 0; i < 1500; i++) {
        points.add(point(i, new float[] {i % 7, i % 11, 1, (float) Math.sqrt(i)}));
      }
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();
      float[] q = {1, 0, 0, 0};
      for (boolean exact : new boolean[] {true, false}) {
        var all =
            shard.search(
                new SearchRequest(
                    "",
                    q,
                    Integer.MAX_VALUE,
                    0,
                    null,
                    WithPayload.NONE,
                    WithVectors.NONE,
                    Integer.MAX_VALUE,
                    exact));
        assertThat(all).as("exact %s", exact).hasSize(1500);
        var none =
            shard.search(
                new SearchRequest(
                    "",
                    q,
                    Integer.MAX_VALUE,
                    Integer.MAX_VALUE,
                    null,
                    WithPayload.NONE,
                    WithVectors.NONE,
                    null,
                    exact));
        assertThat(none).isEmpty();
      }
      assertThat(
              shard
                  .scroll(null, null, Integer.MAX_VALUE, WithPayload.NONE, WithVectors.NONE)
                  .points())
          .hasSize(1500);
    }
  }

  /**
   * A request's scope stops the engine: past its deadline a scan throws Timeout, and results past
   * its point budget throw OverLimit before they are materialised.
   */
  @Test
  void aRequestScopeStopsSearchesAtItsDeadlineAndBudget() throws Exception {
    try (TestShard shard = open(dir, single(4, Distance.EUCLID))) {
      List<Point> points = new ArrayList<>();
      for (int i = 0; i < 5000; i++) {
        points.add(point(i, new float[] {i, 1, 2, 3}));
      }
      shard.apply(1, new UpdateOp.Upsert(points));
      SearchRequest all =
          new SearchRequest(
              "", new float[] {0, 0, 0, 0}, 100, 0, null, WithPayload.NONE, WithVectors.NONE);
      long[] now = {0};
      RequestScope late = RequestScope.of(5, 1_000_000, 100, () -> now[0]++ * 3_000_000_000L);
      assertThatThrownBy(() -> late.run(() -> shard.search(all)))
          .isInstanceOf(StorageException.Timeout.class)
          .hasMessageContaining("5 seconds");
      RequestScope gone = RequestScope.of(0, 1_000_000, 100, System::nanoTime);
      gone.cancel();
      assertThatThrownBy(() -> gone.run(() -> shard.count(null) + shard.search(all).size()))
          .isInstanceOf(StorageException.Timeout.class);
      RequestScope small = RequestScope.of(0, 150, 100, System::nanoTime);
      assertThat(small.run(() -> shard.search(all))).hasSize(100);
      assertThatThrownBy(() -> small.run(() -> shard.search(all)))
          .isInstanceOf(StorageException.OverLimit.class)
          .hasMessageContaining("service.max_result_points");
      // outside any request nothing stops
      assertThat(shard.search(all)).hasSize(100);
    }
  }

  @Test
  void filteredSearchKeepsRecallAtEverySelectivity() {
    long seed = TestSeed.of("filteredSearchKeepsRecallAtEverySelectivity");
    Random r = new Random(seed);
    int dim = 16;
    int n = 5000;
    var cfg =
        new CollectionConfig(
            Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(dim, Distance.COSINE, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 100, 0, 0, false),
            INDEXED,
            WalConfig.DEFAULT);
    try (TestShard shard = open(dir, cfg)) {
      List<Point> points = new ArrayList<>();
      float[][] centers = new float[25][dim];
      for (float[] c : centers) {
        for (int j = 0; j < dim; j++) {
          c[j] = (float) r.nextGaussian() * 2;
        }
      }
      for (int i = 0; i < n; i++) {
        float[] c = centers[r.nextInt(centers.length)];
        float[] v = new float[dim];
        for (int j = 0; j < dim; j++) {
          v[j] = c[j] + (float) r.nextGaussian() * 0.5f;
        }
        points.add(
            new Point(
                PointId.of(i),
                Map.of("", v),
                new Value.Struct(
                    Map.of(
                        "bucket",
                        new Value.Int(r.nextInt(1000)),
                        "tag",
                        new Value.Str(i % 2 == 0 ? "even" : "odd")))));
      }
      shard.apply(1, new UpdateOp.Upsert(points));
      for (int below : new int[] {1, 10, 100, 500, 1000}) {
        Filter f =
            new Filter(
                List.of(new Condition.Range("bucket", null, null, (double) below, null, false)),
                List.of(),
                List.of(),
                null);
        int hits = 0;
        int expected = 0;
        for (int q = 0; q < 30; q++) {
          float[] query = points.get(r.nextInt(n)).vectors().get("");
          var exact =
              shard.search(
                  new SearchRequest(
                      "", query, 10, 0, null, WithPayload.ALL, WithVectors.NONE, null, true, f));
          var planned =
              shard.search(
                  new SearchRequest(
                      "", query, 10, 0, null, WithPayload.ALL, WithVectors.NONE, 64, false, f));
          for (ScoredPoint p : planned) {
            assertThat(((Value.Int) p.payload().fields().get("bucket")).value()).isLessThan(below);
          }
          var truth = exact.stream().map(ScoredPoint::id).toList();
          expected += truth.size();
          hits += (int) planned.stream().filter(p -> truth.contains(p.id())).count();
        }
        double recall = expected == 0 ? 1 : hits / (double) expected;
        System.out.println("selectivity " + (below / 10.0) + "%: recall@10 " + recall);
        assertThat(recall)
            .as("recall at %s%% selectivity", below / 10.0)
            .isGreaterThanOrEqualTo(0.95);
      }
    }
  }

  @Test
  void scrollWalksIdOrderWithFiltersAndCountAgrees() {
    try (TestShard shard = open(dir, single(1, Distance.DOT))) {
      List<Point> points = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        points.add(
            new Point(
                PointId.of(i),
                Map.of("", new float[] {i}),
                new Value.Struct(Map.of("even", new Value.Bool(i % 2 == 0)))));
      }
      UUID u = new UUID(0, 1);
      points.add(
          new Point(
              PointId.of(u),
              Map.of("", new float[] {1}),
              new Value.Struct(Map.of("even", new Value.Bool(true)))));
      shard.apply(1, new UpdateOp.Upsert(points));
      Filter even =
          new Filter(
              List.of(new Condition.Match("even", new Value.Bool(true))),
              List.of(),
              List.of(),
              null);
      assertThat(shard.count(null)).isEqualTo(26);
      assertThat(shard.count(even)).isEqualTo(14);
      List<PointId> seen = new ArrayList<>();
      PointId offset = null;
      int pages = 0;
      do {
        ScrollPage page = shard.scroll(even, offset, 5, WithPayload.NONE, WithVectors.NONE);
        page.points().forEach(p -> seen.add(p.id()));
        offset = page.nextOffset();
        pages++;
      } while (offset != null && pages < 10);
      assertThat(seen)
          .hasSize(14)
          .startsWith(PointId.of(0), PointId.of(2))
          .endsWith(PointId.of(24), PointId.of(u));
      assertThat(pages).isEqualTo(3);
    }
  }

  @Test
  void namedVectorsAreReplacedAndDeletedKeepingTheRestAndSurviveReopen() {
    var cfg =
        config(
            Map.of(
                "a", new VectorParams(2, Distance.DOT, null),
                "b", new VectorParams(2, Distance.DOT, null)));
    Value.Struct payload = new Value.Struct(Map.of("k", new Value.Str("v")));
    try (TestShard shard = open(dir, cfg)) {
      shard.apply(
          1,
          new UpdateOp.Upsert(
              List.of(
                  new Point(
                      PointId.of(1),
                      Map.of("a", new float[] {1, 0}, "b", new float[] {0, 1}),
                      payload),
                  new Point(PointId.of(2), Map.of("a", new float[] {0, 1}), null))));
      // a missing point fails the whole operation before anything changes
      assertThatThrownBy(
              () ->
                  shard.apply(
                      2,
                      new UpdateOp.UpdateVectors(
                          List.of(
                              new Point(PointId.of(1), Map.of("a", new float[] {5, 5}), null),
                              new Point(PointId.of(9), Map.of("a", new float[] {1, 1}), null)))))
          .isInstanceOf(StorageException.NotFound.class);
      shard.apply(
          3,
          new UpdateOp.UpdateVectors(
              List.of(
                  new Point(PointId.of(1), Map.of("a", new float[] {0, 2}), null),
                  new Point(PointId.of(2), Map.of("b", new float[] {3, 0}), null))));
      shard.apply(
          4,
          new UpdateOp.DeleteVectors(new PointSelector.Ids(List.of(PointId.of(1))), List.of("b")));
      checkVectors(shard, payload);
    }
    try (TestShard shard = open(dir, cfg)) {
      checkVectors(shard, payload);
    }
  }

  private static void checkVectors(TestShard shard, Value.Struct payload) {
    var got =
        shard.retrieve(List.of(PointId.of(1), PointId.of(2)), WithPayload.ALL, WithVectors.ALL);
    assertThat(got.get(0).vectors().keySet()).containsExactly("a");
    assertThat(got.get(0).vectors().get("a")).containsExactly(0, 2);
    assertThat(got.get(0).payload()).isEqualTo(payload);
    assertThat(got.get(1).vectors().get("b")).containsExactly(3, 0);
    assertThat(got.get(1).vectors().get("a")).containsExactly(0, 1);
    // the replaced vector is searched, the old and the deleted ones are not
    var hits =
        shard.search(
            new SearchRequest(
                "a",
                new float[] {0, 1},
                1,
                0,
                null,
                WithPayload.NONE,
                WithVectors.NONE,
                null,
                true));
    assertThat(hits.getFirst().id()).isEqualTo(PointId.of(1));
    assertThat(hits.getFirst().score()).isEqualTo(2f);
    var inB =
        shard.search(
            new SearchRequest(
                "b",
                new float[] {0, 1},
                5,
                0,
                null,
                WithPayload.NONE,
                WithVectors.NONE,
                null,
                true));
    assertThat(inB).extracting(ScoredPoint::id).containsExactly(PointId.of(2));
  }

  @Test
  void payloadEditsAndDeletesByFilterSurviveReplay() {
    var cfg = single(1, Distance.DOT);
    Filter cityX =
        new Filter(
            List.of(new Condition.Match("city", new Value.Str("x"))), List.of(), List.of(), null);
    try (TestShard shard = open(dir, cfg)) {
      List<Point> pts = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        pts.add(
            new Point(
                PointId.of(i),
                Map.of("", new float[] {i}),
                new Value.Struct(
                    Map.of("city", new Value.Str(i < 3 ? "x" : "y"), "n", new Value.Int(i)))));
      }
      shard.apply(1, new UpdateOp.Upsert(pts));
      shard.apply(
          2,
          new UpdateOp.SetPayload(
              new PointSelector.Ids(List.of(PointId.of(4))),
              new Value.Struct(Map.of("tag", new Value.Str("t"))),
              null));
      shard.apply(
          3,
          new UpdateOp.SetPayload(
              new PointSelector.Ids(List.of(PointId.of(4))),
              new Value.Struct(Map.of("deep", new Value.Bool(true))),
              "meta.flags"));
      shard.apply(
          4,
          new UpdateOp.DeletePayload(new PointSelector.Ids(List.of(PointId.of(4))), List.of("n")));
      shard.apply(
          5,
          new UpdateOp.OverwritePayload(
              new PointSelector.Ids(List.of(PointId.of(5))),
              new Value.Struct(Map.of("only", new Value.Int(1)))));
      shard.apply(
          6,
          new UpdateOp.ClearPayload(
              new PointSelector.ByFilter(
                  new Filter(
                      List.of(new Condition.Match("n", new Value.Int(3))),
                      List.of(),
                      List.of(),
                      null))));
      shard.apply(7, new UpdateOp.DeleteByFilter(cityX));
      // a filter-selected edit is logged with the ids it meant then: points that match later are
      // untouched
      shard.apply(
          8,
          new UpdateOp.Upsert(
              List.of(
                  new Point(
                      PointId.of(9),
                      Map.of("", new float[] {9}),
                      new Value.Struct(Map.of("city", new Value.Str("x")))))));
      shard.flush();
    }
    try (TestShard shard = open(dir, cfg)) {
      assertThat(shard.count(null)).isEqualTo(4);
      assertThat(shard.count(cityX)).isEqualTo(1);
      var got =
          shard.retrieve(
              List.of(PointId.of(3), PointId.of(4), PointId.of(5)),
              WithPayload.ALL,
              WithVectors.NONE);
      assertThat(got.get(0).payload().fields()).isEmpty();
      var p4 = got.get(1).payload().fields();
      assertThat(p4).containsKeys("city", "tag", "meta").doesNotContainKey("n");
      assertThat(((Value.Struct) ((Value.Struct) p4.get("meta")).fields().get("flags")).fields())
          .containsEntry("deep", new Value.Bool(true));
      assertThat(got.get(2).payload().fields()).containsOnlyKeys("only");
    }
  }

  @Test
  void searchAfterRestartEqualsSearchBefore() throws Exception {
    long seed = TestSeed.of("searchAfterRestartEqualsSearchBefore");
    Random r = new Random(seed);
    int dim = 12;
    var cfg =
        new CollectionConfig(
            Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(dim, Distance.COSINE, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 64, 0, 0, false),
            INDEXED,
            WalConfig.DEFAULT);
    java.util.function.IntFunction<List<Point>> batch =
        from -> {
          List<Point> out = new ArrayList<>();
          for (int i = from; i < from + 1000; i++) {
            float[] v = new float[dim];
            for (int j = 0; j < dim; j++) {
              v[j] = (float) r.nextGaussian() + (i % 7);
            }
            out.add(
                new Point(
                    PointId.of(i), Map.of("", v), new Value.Struct(Map.of("i", new Value.Int(i)))));
          }
          return out;
        };
    List<float[]> queries = new ArrayList<>();
    for (int q = 0; q < 20; q++) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = (float) r.nextGaussian() + (q % 7);
      }
      queries.add(v);
    }
    java.util.function.Function<TestShard, List<List<ScoredPoint>>> run =
        shard -> {
          List<List<ScoredPoint>> out = new ArrayList<>();
          for (float[] q : queries) {
            out.add(
                shard.search(
                    // ef 64: at 32 some seeds' graphs stay just under the 0.9 floor below
                    new SearchRequest(
                        "", q, 10, 0, null, WithPayload.ALL, WithVectors.NONE, 64, false)));
          }
          return out;
        };
    java.util.function.Function<TestShard, List<List<ScoredPoint>>> exact =
        shard -> {
          List<List<ScoredPoint>> out = new ArrayList<>();
          for (float[] q : queries) {
            out.add(
                shard.search(
                    new SearchRequest(
                        "", q, 10, 0, null, WithPayload.ALL, WithVectors.NONE, null, true)));
          }
          return out;
        };
    List<List<ScoredPoint>> before;
    List<List<ScoredPoint>> exactBefore;
    try (TestShard shard = open(dir, cfg)) {
      shard.apply(1, new UpdateOp.Upsert(batch.apply(0)));
      shard.apply(2, new UpdateOp.Upsert(batch.apply(1000)));
    } // closing writes a checkpoint
    Path crashed = dir.resolveSibling(dir.getFileName() + "-crashed");
    try (TestShard shard = open(dir, cfg)) {
      assertThat(shard.lastAppliedOp()).isEqualTo(2);
      shard.apply(3, new UpdateOp.Upsert(batch.apply(2000)));
      shard.apply(4, new UpdateOp.DeletePoints(List.of(PointId.of(5), PointId.of(2500))));
      shard.flush();
      shard.awaitIndexed(); // compare graph searches on complete graphs
      before = run.apply(shard);
      exactBefore = exact.apply(shard);
      // the files as a crash right now would leave them: checkpoint at op 2, then the log
      copyTree(dir, crashed);
    }
    try (TestShard shard = open(crashed, cfg)) {
      assertThat(shard.lastAppliedOp()).isEqualTo(4);
      assertThat(shard.count()).isEqualTo(2998);
      // the replayed batches were indexed in parallel, so the graph is not the same one: exact
      // results must match, and graph searches must find the true neighbours as well as before
      // the crash (comparing the two graphs' answers with each other measured their noise)
      assertSameResults(exact.apply(shard), exactBefore);
      var during = run.apply(shard); // while the replayed points are being indexed
      shard.awaitIndexed(); // as before the crash: compare complete graphs
      var after = run.apply(shard);
      double recallBefore = recall(before, exactBefore);
      double recallDuring = recall(during, exactBefore);
      double recallAfter = recall(after, exactBefore);
      System.out.printf(
          "graph recall@10 before %.3f, during indexing %.3f, after replay %.3f%n",
          recallBefore, recallDuring, recallAfter);
      assertThat(recallBefore).isGreaterThanOrEqualTo(0.9);
      assertThat(recallAfter).isGreaterThanOrEqualTo(Math.min(0.9, recallBefore - 0.03));
      assertThat(recallDuring).isGreaterThanOrEqualTo(Math.min(0.9, recallBefore - 0.03));
      for (var hits : during) { // a point found by the graph and the pending scan is one result
        assertThat(hits.stream().map(ScoredPoint::id).distinct().count()).isEqualTo(hits.size());
      }
    }
    try (TestShard shard = open(dir, cfg)) {
      assertSameResults(run.apply(shard), before);
    }
  }

  /** The share of the exact top results that the graph searches found. */
  private static double recall(List<List<ScoredPoint>> got, List<List<ScoredPoint>> exact) {
    int hits = 0;
    int total = 0;
    for (int i = 0; i < exact.size(); i++) {
      var found = got.get(i).stream().map(ScoredPoint::id).toList();
      for (ScoredPoint p : exact.get(i)) {
        total++;
        if (found.contains(p.id())) {
          hits++;
        }
      }
    }
    return total == 0 ? 1 : (double) hits / total;
  }

  private static void assertSameResults(List<List<ScoredPoint>> got, List<List<ScoredPoint>> want) {
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < want.size(); i++) {
      assertThat(got.get(i))
          .extracting(ScoredPoint::id)
          .containsExactlyElementsOf(want.get(i).stream().map(ScoredPoint::id).toList());
    }
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var walk = java.nio.file.Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (java.nio.file.Files.isDirectory(p)) {
          java.nio.file.Files.createDirectories(target);
        } else {
          java.nio.file.Files.copy(p, target);
        }
      }
    }
  }

  @Test
  void writersDeletersAndSearchersTogether() throws Exception {
    long seed = TestSeed.of("writersDeletersAndSearchersTogether");
    int dim = 8;
    var cfg =
        new CollectionConfig(
            Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(dim, Distance.EUCLID, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(8, 32, 0, 0, false),
            INDEXED,
            WalConfig.DEFAULT);
    try (TestShard shard = open(dir, cfg)) {
      var ops = new java.util.concurrent.atomic.AtomicLong();
      var failures = new java.util.concurrent.ConcurrentLinkedQueue<Throwable>();
      long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        int writer = w;
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      Random r = new Random(seed + writer);
                      try {
                        while (System.nanoTime() < end) {
                          List<Point> batch = new ArrayList<>();
                          for (int i = 0; i < 20; i++) {
                            float[] v = new float[dim];
                            for (int j = 0; j < dim; j++) {
                              v[j] = (float) r.nextGaussian();
                            }
                            batch.add(
                                new Point(
                                    PointId.of(r.nextInt(2000)),
                                    Map.of("", v),
                                    new Value.Struct(Map.of("w", new Value.Int(writer)))));
                          }
                          UpdateOp op =
                              writer == 2
                                  ? new UpdateOp.DeletePoints(
                                      List.of(
                                          PointId.of(r.nextInt(2000)), PointId.of(r.nextInt(2000))))
                                  : new UpdateOp.Upsert(batch);
                          synchronized (ops) { // the caller owns numbering
                            shard.apply(ops.incrementAndGet(), op);
                          }
                        }
                      } catch (Throwable t) {
                        failures.add(t);
                      }
                    }));
      }
      for (int s = 0; s < 2; s++) {
        int searcher = s;
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      Random r = new Random(seed + 100 + searcher);
                      try {
                        while (System.nanoTime() < end) {
                          float[] q = new float[dim];
                          for (int j = 0; j < dim; j++) {
                            q[j] = (float) r.nextGaussian();
                          }
                          var res =
                              shard.search(
                                  new SearchRequest(
                                      "",
                                      q,
                                      10,
                                      0,
                                      null,
                                      WithPayload.ALL,
                                      WithVectors.ALL,
                                      32,
                                      false));
                          for (int i = 1; i < res.size(); i++) {
                            assertThat(res.get(i).score())
                                .isGreaterThanOrEqualTo(res.get(i - 1).score());
                          }
                          for (ScoredPoint p : res) {
                            assertThat(p.vectors().get("")).hasSize(dim);
                            assertThat(p.payload().fields()).containsKey("w");
                          }
                          shard.scroll(null, null, 50, WithPayload.NONE, WithVectors.NONE);
                        }
                      } catch (Throwable t) {
                        failures.add(t);
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join(30_000);
      }
      assertThat(failures).isEmpty();
      assertThat(shard.count()).isLessThanOrEqualTo(2000);
      // after the storm, the index still finds each point by its own vector
      var all = shard.scroll(null, null, 2000, WithPayload.NONE, WithVectors.ALL).points();
      int found = 0;
      for (int i = 0; i < Math.min(200, all.size()); i++) {
        var p = all.get(i);
        var res =
            shard.search(
                new SearchRequest(
                    "",
                    p.vectors().get(""),
                    1,
                    0,
                    null,
                    WithPayload.NONE,
                    WithVectors.NONE,
                    64,
                    false));
        if (!res.isEmpty() && res.getFirst().id().equals(p.id())) {
          found++;
        }
      }
      assertThat(found).isGreaterThanOrEqualTo((int) (0.95 * Math.min(200, all.size())));
    }
  }
}
