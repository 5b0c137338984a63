package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Condition;
import dev.quiver.storage.Distance;
import dev.quiver.storage.Filter;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.SparseVector;
import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sparse vectors in a shard: writes, reads, searches, and what survives a reopen. */
class SparseShardTest {
  @TempDir Path dir;

  private static CollectionConfig config(Map<String, SparseVectorParams> sparse) {
    return new CollectionConfig(
            Map.of("", new VectorParams(2, Distance.DOT, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(16, 100, 0, 0, false),
            new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
            WalConfig.DEFAULT)
        .withSparseVectors(sparse);
  }

  private static final CollectionConfig TEXT = config(Map.of("text", SparseVectorParams.DEFAULT));

  /** Point i has dimension i % 7 with weight i, and dimension 100 with weight 1. */
  private static List<Point> points(int n) {
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new Point(
              PointId.of(i),
              Map.of("", new float[] {i, 1}),
              Map.of("text", SparseVector.of(new int[] {100, i % 7}, new float[] {1, i})),
              new Value.Struct(Map.of("even", new Value.Bool(i % 2 == 0)))));
    }
    return out;
  }

  private static List<ScoredPoint> search(LocalShard s, SparseVector q, int limit, Filter f) {
    return s.search(
        SearchRequest.sparse(
            "text", q, limit, 0, null, WithPayload.NONE, WithVectors.ALL, false, f));
  }

  private static final SparseVector DIM3 = SparseVector.of(new int[] {3}, new float[] {1});

  @Test
  void sparseVectorsAreWrittenSearchedAndReadBack() {
    try (LocalShard shard = new LocalShard(dir, TEXT)) {
      shard.apply(1, new UpdateOp.Upsert(points(50)));
      List<ScoredPoint> found = search(shard, DIM3, 3, null);
      assertThat(found)
          .extracting(ScoredPoint::id)
          .containsExactly(PointId.of(45), PointId.of(38), PointId.of(31));
      assertThat(found.getFirst().score()).isEqualTo(45f);
      assertThat(found.getFirst().sparseVectors().get("text"))
          .isEqualTo(SparseVector.of(new int[] {3, 100}, new float[] {45, 1}));
      assertThat(found.getFirst().vectors().get("")).containsExactly(45, 1);
      // a filter: only even points
      Filter even =
          new Filter(
              List.of(new Condition.Match("even", new Value.Bool(true))),
              List.of(),
              List.of(),
              null);
      assertThat(search(shard, DIM3, 2, even))
          .extracting(ScoredPoint::id)
          .containsExactly(PointId.of(38), PointId.of(24));
      // no shared dimension: no result at all, as in Qdrant
      assertThat(search(shard, SparseVector.of(new int[] {5000}, new float[] {1}), 10, null))
          .isEmpty();
      // replacing one point's sparse vector, deleting another's
      shard.apply(
          2,
          new UpdateOp.UpdateVectors(
              List.of(
                  new Point(
                      PointId.of(3),
                      Map.of(),
                      Map.of("text", SparseVector.of(new int[] {3}, new float[] {1000})),
                      null))));
      shard.apply(
          3,
          new UpdateOp.DeleteVectors(
              new PointSelector.Ids(List.of(PointId.of(45))), List.of("text")));
      assertThat(search(shard, DIM3, 2, null))
          .extracting(ScoredPoint::id)
          .containsExactly(PointId.of(3), PointId.of(38));
      assertThat(
              shard
                  .retrieve(List.of(PointId.of(45)), WithPayload.NONE, WithVectors.ALL)
                  .getFirst()
                  .sparseVectors())
          .isNull();
    }
    // the WAL replays it
    try (LocalShard shard = new LocalShard(dir, TEXT)) {
      assertThat(search(shard, DIM3, 2, null))
          .extracting(ScoredPoint::id)
          .containsExactly(PointId.of(3), PointId.of(38));
      shard.checkpoint();
    }
    // and the checkpoint holds it
    try (LocalShard shard = new LocalShard(dir, TEXT)) {
      assertThat(search(shard, DIM3, 2, null))
          .extracting(ScoredPoint::id)
          .containsExactly(PointId.of(3), PointId.of(38));
      assertThat(
              shard
                  .retrieve(List.of(PointId.of(10)), WithPayload.NONE, WithVectors.ALL)
                  .getFirst()
                  .sparseVectors()
                  .get("text"))
          .isEqualTo(SparseVector.of(new int[] {3, 100}, new float[] {10, 1}));
      shard.apply(4, new UpdateOp.Upsert(List.of(points(60).get(52))));
      assertThat(search(shard, DIM3, 1, null))
          .extracting(ScoredPoint::id)
          .containsExactly(PointId.of(3));
    }
  }

  @Test
  void wrongNamesAndKindsAreRefused() {
    try (LocalShard shard = new LocalShard(dir, TEXT)) {
      assertThatThrownBy(
              () ->
                  shard.apply(
                      1,
                      new UpdateOp.Upsert(
                          List.of(
                              new Point(
                                  PointId.of(1),
                                  Map.of("", new float[] {1, 1}),
                                  Map.of("other", DIM3),
                                  null)))))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("Not existing vector name error: other");
      assertThatThrownBy(
              () ->
                  shard.search(
                      new SearchRequest(
                          "text",
                          new float[] {1, 1},
                          1,
                          0,
                          null,
                          WithPayload.NONE,
                          WithVectors.NONE)))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("is sparse");
      assertThatThrownBy(
              () ->
                  shard.search(
                      SearchRequest.sparse(
                          "", DIM3, 1, 0, null, WithPayload.NONE, WithVectors.NONE, false, null)))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("is dense");
    }
  }

  @Test
  void aSparseVectorNameIsAddedAndDeleted() {
    try (LocalShard shard = new LocalShard(dir, config(Map.of()))) {
      shard.apply(
          1,
          new UpdateOp.Upsert(
              List.of(new Point(PointId.of(1), Map.of("", new float[] {1, 1}), null))));
      shard.updateConfig(TEXT);
      shard.apply(
          2,
          new UpdateOp.UpdateVectors(
              List.of(new Point(PointId.of(1), Map.of(), Map.of("text", DIM3), null))));
      assertThat(search(shard, DIM3, 5, null)).hasSize(1);
      shard.updateConfig(config(Map.of()));
      assertThat(
              shard
                  .retrieve(List.of(PointId.of(1)), WithPayload.NONE, WithVectors.ALL)
                  .getFirst()
                  .sparseVectors())
          .isNull();
    }
    try (LocalShard shard = new LocalShard(dir, TEXT)) { // added again: empty
      assertThat(search(shard, DIM3, 5, null)).isEmpty();
      assertThat(shard.count()).isEqualTo(1);
    }
  }

  @Test
  void manyReplacementsRebuildTheListsAndKeepResultsExact() {
    try (LocalShard shard = new LocalShard(dir, TEXT)) {
      long op = 1;
      for (int round = 0; round < 40; round++) {
        List<Point> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          batch.add(
              new Point(
                  PointId.of(i),
                  Map.of("", new float[] {i, 1}),
                  Map.of(
                      "text",
                      SparseVector.of(new int[] {1, 2, 3, 4}, new float[] {round, i, 1, 1})),
                  null));
        }
        shard.apply(op++, new UpdateOp.Upsert(batch));
      }
      List<ScoredPoint> top =
          search(shard, SparseVector.of(new int[] {2}, new float[] {1}), 2, null);
      assertThat(top).extracting(ScoredPoint::id).containsExactly(PointId.of(999), PointId.of(998));
    }
  }
}
