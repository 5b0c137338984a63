package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorDatatype;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import dev.quiver.storage.internal.vector.VectorMath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Multivectors in a shard: MaxSim against brute force, validation, and what survives a reopen. */
class MultiVectorShardTest {
  @TempDir Path dir;

  private static final int DIM = 4;

  private static final CollectionConfig CONFIG =
      new CollectionConfig(
          Map.of(
              "dense",
              new VectorParams(2, Distance.DOT, null),
              "colbert",
              new VectorParams(DIM, Distance.COSINE, null, null, true)),
          1,
          1,
          1,
          true,
          new HnswConfig(16, 100, 0, 0, false),
          new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
          WalConfig.DEFAULT);

  private final Map<PointId, float[][]> stored = new HashMap<>();

  private List<Point> points(Random r, int n) {
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[][] rows = new float[1 + r.nextInt(5)][DIM];
      for (float[] row : rows) {
        for (int d = 0; d < DIM; d++) {
          row[d] = r.nextFloat() * 2 - 1;
        }
      }
      PointId id = PointId.of(i);
      stored.put(id, rows);
      out.add(
          new Point(
              id, Map.of("dense", new float[] {1, 0}), Map.of(), null, Map.of("colbert", rows)));
    }
    return out;
  }

  private static float[] unit(float[] v) {
    float[] c = v.clone();
    VectorMath.normalize(c);
    return c;
  }

  private float maxSim(float[][] q, float[][] d) {
    float sum = 0;
    for (float[] a : q) {
      float best = Float.NEGATIVE_INFINITY;
      for (float[] b : d) {
        best = Math.max(best, VectorMath.dot(unit(a), unit(b)));
      }
      sum += best;
    }
    return sum;
  }

  /**
   * An exact search: these tests check MaxSim's scores against brute force, and a graph being built
   * meanwhile would make them approximate (the graph's recall has its own test).
   */
  private static List<ScoredPoint> search(LocalShard s, float[][] q, int limit) {
    float[] flat = new float[q.length * DIM];
    for (int i = 0; i < q.length; i++) {
      System.arraycopy(q[i], 0, flat, i * DIM, DIM);
    }
    return s.search(
        new SearchRequest(
            "colbert", flat, limit, 0, null, WithPayload.NONE, WithVectors.ALL, null, true, null));
  }

  @Test
  void maxSimRanksAsBruteForceAndSurvivesReopening() {
    Random r = new Random(7);
    float[][] query = {{1, 0, 0, 0}, {0, 1, 1, 0}};
    List<Float> want;
    try (LocalShard shard = new LocalShard(dir, CONFIG)) {
      shard.apply(1, new UpdateOp.Upsert(points(r, 300)));
      want =
          stored.values().stream()
              .map(d -> maxSim(query, d))
              .sorted(Comparator.reverseOrder())
              .limit(10)
              .toList();
      List<ScoredPoint> got = search(shard, query, 10);
      for (int i = 0; i < 10; i++) {
        assertThat(got.get(i).score()).isCloseTo(want.get(i), Offset.offset(1e-4f));
      }
      float[][] back = got.getFirst().multiVectors().get("colbert");
      assertThat(back).hasNumberOfRows(stored.get(got.getFirst().id()).length);
      assertThat(back[0][0])
          .isCloseTo(unit(stored.get(got.getFirst().id())[0])[0], Offset.offset(1e-6f));
      // a single vector queries as one row
      assertThat(search(shard, new float[][] {{0, 0, 0, 1}}, 1)).hasSize(1);
    }
    try (LocalShard shard = new LocalShard(dir, CONFIG)) { // the WAL replays it
      assertThat(search(shard, query, 1).getFirst().score())
          .isCloseTo(want.getFirst(), Offset.offset(1e-4f));
      shard.checkpoint();
    }
    try (LocalShard shard = new LocalShard(dir, CONFIG)) { // the checkpoint holds it
      assertThat(search(shard, query, 1).getFirst().score())
          .isCloseTo(want.getFirst(), Offset.offset(1e-4f));
      assertThat(
              shard
                  .retrieve(List.of(PointId.of(5)), WithPayload.NONE, WithVectors.ALL)
                  .getFirst()
                  .multiVectors()
                  .get("colbert"))
          .hasNumberOfRows(stored.get(PointId.of(5)).length);
    }
  }

  @Test
  void wrongShapesAreRefused() {
    try (LocalShard shard = new LocalShard(dir, CONFIG)) {
      assertThatThrownBy(
              () ->
                  shard.apply(
                      1,
                      new UpdateOp.Upsert(
                          List.of(
                              new Point(
                                  PointId.of(1),
                                  Map.of(
                                      "dense",
                                      new float[] {1, 0},
                                      "colbert",
                                      new float[] {1, 0, 0, 0}),
                                  null)))))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("multivector");
      assertThatThrownBy(
              () ->
                  shard.apply(
                      2,
                      new UpdateOp.Upsert(
                          List.of(
                              new Point(
                                  PointId.of(1),
                                  Map.of("dense", new float[] {1, 0}),
                                  Map.of(),
                                  null,
                                  Map.of("colbert", new float[][] {{1, 0, 0}}))))))
          .hasMessageContaining("dimension");
      assertThatThrownBy(
              () ->
                  shard.apply(
                      3,
                      new UpdateOp.Upsert(
                          List.of(
                              new Point(
                                  PointId.of(1),
                                  Map.of("dense", new float[] {1, 0}),
                                  Map.of(),
                                  null,
                                  Map.of("dense", new float[][] {{1, 0}}))))))
          .hasMessageContaining("single vector");
      assertThatThrownBy(() -> new VectorParams(4, Distance.EUCLID, null, null, true))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void narrowDatatypesHoldTheRowsAsTheyStoreThemAndScoreThose() {
    var config =
        new CollectionConfig(
            Map.of(
                "half",
                new VectorParams(2, Distance.DOT, null, null, true, VectorDatatype.FLOAT16),
                "bytes",
                new VectorParams(2, Distance.DOT, null, null, true, VectorDatatype.UINT8)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 100, 0, 0, false),
            new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
            WalConfig.DEFAULT);
    float[][] halfRows = {{0.1f, 1000.3f}, {-2.7f, 0.001f}};
    float[][] byteRows = {{3.4f, 200.6f}, {0f, 255f}};
    float[][] halfStored = new float[2][2];
    float[][] byteStored = {{3, 201}, {0, 255}};
    for (int r = 0; r < 2; r++) {
      for (int d = 0; d < 2; d++) {
        halfStored[r][d] = Float.float16ToFloat(Float.floatToFloat16(halfRows[r][d]));
      }
    }
    assertThat(halfStored[0][0]).isNotEqualTo(0.1f); // the half-precision value is another one
    Map<String, float[][]> rows = Map.of("half", halfRows, "bytes", byteRows);
    try (LocalShard shard = new LocalShard(dir, config)) {
      shard.apply(
          1,
          new UpdateOp.Upsert(List.of(new Point(PointId.of(1), Map.of(), Map.of(), null, rows))));
      for (int round = 0; round < 2; round++) {
        var back =
            shard
                .retrieve(List.of(PointId.of(1)), WithPayload.NONE, WithVectors.ALL)
                .getFirst()
                .multiVectors();
        assertThat(back.get("half")).isDeepEqualTo(halfStored);
        assertThat(back.get("bytes")).isDeepEqualTo(byteStored);
        // a query is not stored: no range applies to it
        float[] query = {-1, 0.5f};
        float halfScore =
            Math.max(VectorMath.dot(query, halfStored[0]), VectorMath.dot(query, halfStored[1]));
        float byteScore =
            Math.max(VectorMath.dot(query, byteStored[0]), VectorMath.dot(query, byteStored[1]));
        assertThat(
                shard
                    .search(
                        new SearchRequest(
                            "half", query, 1, 0, null, WithPayload.NONE, WithVectors.NONE))
                    .getFirst()
                    .score())
            .isEqualTo(halfScore);
        assertThat(
                shard
                    .search(
                        new SearchRequest(
                            "bytes", query, 1, 0, null, WithPayload.NONE, WithVectors.NONE))
                    .getFirst()
                    .score())
            .isEqualTo(byteScore);
        shard.checkpoint(); // the second round reads the rows back from the checkpoint
      }
      assertThatThrownBy(
              () ->
                  shard.apply(
                      2,
                      new UpdateOp.Upsert(
                          List.of(
                              new Point(
                                  PointId.of(2),
                                  Map.of(),
                                  Map.of(),
                                  null,
                                  Map.of("bytes", new float[][] {{1, 256}}))))))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("from 0 to 255");
    }
    try (LocalShard reopened = new LocalShard(dir, config)) {
      assertThat(
              reopened
                  .retrieve(List.of(PointId.of(1)), WithPayload.NONE, WithVectors.ALL)
                  .getFirst()
                  .multiVectors()
                  .get("half"))
          .isDeepEqualTo(halfStored);
    }
    assertThatThrownBy(
            () -> new VectorParams(2, Distance.COSINE, null, null, true, VectorDatatype.UINT8))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<PointId> ids(LocalShard s, float[][] q, boolean exact) {
    float[] flat = new float[q.length * DIM];
    for (int i = 0; i < q.length; i++) {
      System.arraycopy(q[i], 0, flat, i * DIM, DIM);
    }
    return s
        .search(
            new SearchRequest(
                "colbert",
                flat,
                10,
                0,
                null,
                WithPayload.NONE,
                WithVectors.NONE,
                null,
                exact,
                null))
        .stream()
        .map(ScoredPoint::id)
        .toList();
  }

  /** recall@10 of the shard's default search against its exact one. */
  private static double recall(LocalShard s, float[][][] queries) {
    int found = 0;
    for (float[][] q : queries) {
      List<PointId> truth = ids(s, q, true);
      found += (int) ids(s, q, false).stream().filter(truth::contains).count();
    }
    return found / (10.0 * queries.length);
  }

  @Test
  void theMultivectorGraphIsBuiltAndBuiltAgainAtOpen() {
    Random r = new Random(11);
    float[][][] queries = new float[20][][];
    for (int i = 0; i < queries.length; i++) {
      queries[i] = new float[][] {unit(randomRow(r)), unit(randomRow(r))};
    }
    try (LocalShard shard = new LocalShard(dir, CONFIG)) {
      shard.apply(1, new UpdateOp.Upsert(points(r, 3000)));
      shard.awaitIndexed();
      assertThat(shard.indexedVectors()).isEqualTo(6000); // the dense and the multivector graph
      assertThat(shard.pendingIndex()).isZero();
      assertThat(recall(shard, queries)).isGreaterThanOrEqualTo(0.95);
      shard.checkpoint();
    }
    try (LocalShard shard = new LocalShard(dir, CONFIG)) {
      shard.awaitIndexed(); // rebuilt from the checkpoint's rows
      assertThat(shard.indexedVectors()).isEqualTo(6000);
      assertThat(recall(shard, queries)).isGreaterThanOrEqualTo(0.95);
      // the vector deleted by name: its graph's files go with it
      Path graph = shard.files.graphDir("colbert");
      assertThat(graph).isDirectory();
      shard.updateConfig(CONFIG.withVectors(Map.of("dense", CONFIG.vectors().get("dense"))));
      assertThat(graph).doesNotExist();
      assertThat(shard.indexedVectors()).isEqualTo(3000);
    }
  }

  private static float[] randomRow(Random r) {
    float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = r.nextFloat() * 2 - 1;
    }
    return v;
  }
}
