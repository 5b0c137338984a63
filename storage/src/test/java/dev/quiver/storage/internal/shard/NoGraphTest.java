package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hnsw_config.m: 0}, Qdrant's setting for no graph: none is built, searches are exact. */
class NoGraphTest {
  @TempDir Path dir;

  @Test
  void mZeroBuildsNoGraphAndSearchesScan() {
    var config =
        new CollectionConfig(
            Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(8, Distance.DOT, null)),
            1,
            1,
            1,
            true,
            new HnswConfig(0, 100, 0, 0, false),
            new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
            WalConfig.DEFAULT);
    Random r = new Random(3);
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      float[] v = new float[8];
      for (int d = 0; d < 8; d++) {
        v[d] = r.nextFloat() - 0.5f;
      }
      points.add(new Point(PointId.of(i), Map.of("", v), null));
    }
    try (LocalShard shard = new LocalShard(dir, config)) {
      shard.apply(1, new UpdateOp.Upsert(points));
      shard.awaitIndexed();
      assertThat(shard.indexedVectors()).as("no graph").isZero();
      assertThat(shard.pendingIndex()).as("nothing to build: not optimizing").isZero();
      float[] q = {1, 0, 0, 0, 0, 0, 0, 1};
      List<ScoredPoint> got =
          shard.search(new SearchRequest("", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE));
      List<ScoredPoint> exact =
          shard.search(
              new SearchRequest(
                  "", q, 10, 0, null, WithPayload.NONE, WithVectors.NONE, null, true, null));
      assertThat(got).isEqualTo(exact);
    }
  }
}
