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
import dev.quiver.storage.internal.vector.OffHeapVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** float16 and uint8 vectors: their width on disk, their values, their searches and checks. */
class VectorDatatypesTest {
  @TempDir Path dir;

  @Test
  void eachDatatypeTakesItsWidthPerDimensionOnDisk() throws Exception {
    int dim = 16;
    for (VectorDatatype d : VectorDatatype.values()) {
      Path at = dir.resolve(d.wireName());
      try (OffHeapVectors v = new OffHeapVectors(at, dim, 0, d)) {
        for (int i = 0; i < 10; i++) {
          float[] x = new float[dim];
          x[0] = i;
          x[1] = 0.5f * i;
          v.add(x);
        }
        Path chunk = at.resolve("chunk-00000.vec");
        long header = 64;
        assertThat(v.usedBytes(chunk)).isEqualTo(header + 10L * dim * d.bytes());
        assertThat(Files.size(chunk))
            .isEqualTo(header + (long) OffHeapVectors.CHUNK_VECTORS * dim * d.bytes());
        float[] back = v.get(7);
        assertThat(back[0]).isEqualTo(7f);
        // uint8 holds whole numbers: 3.5 rounds; float16 holds 3.5 exactly
        assertThat(back[1]).isEqualTo(d == VectorDatatype.UINT8 ? 4f : 3.5f);
      }
      // reopened with its datatype: the header says which; another datatype is refused
      try (OffHeapVectors v = new OffHeapVectors(at, dim, 10, d)) {
        assertThat(v.get(9)[0]).isEqualTo(9f);
      }
      VectorDatatype other =
          d == VectorDatatype.FLOAT32 ? VectorDatatype.FLOAT16 : VectorDatatype.FLOAT32;
      assertThatThrownBy(() -> new OffHeapVectors(at, dim, 10, other))
          .isInstanceOf(StorageException.Corrupted.class);
    }
  }

  private static CollectionConfig config(VectorDatatype d, Distance distance) {
    return new CollectionConfig(
        Map.of("", new VectorParams(8, distance, null, null, false, d)),
        1,
        1,
        1,
        true,
        new HnswConfig(16, 100, 0, 0, false),
        new OptimizersConfig(0.2, 1000, 0, null, 1, 5, null),
        WalConfig.DEFAULT);
  }

  @Test
  void narrowVectorsAreSearchedAsTheirFloatCounterparts() {
    Random r = new Random(3);
    List<Point> points = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      float[] v = new float[8];
      for (int j = 0; j < 8; j++) {
        v[j] = r.nextInt(256);
      }
      vectors.add(v);
      points.add(new Point(PointId.of(i), Map.of("", v), null));
    }
    float[] q = vectors.get(42);
    for (VectorDatatype d : VectorDatatype.values()) {
      try (LocalShard shard =
          new LocalShard(dir.resolve("s-" + d.wireName()), config(d, Distance.EUCLID))) {
        shard.apply(1, new UpdateOp.Upsert(points));
        List<ScoredPoint> found =
            shard.search(
                new SearchRequest(
                    "", q, 1, 0, null, WithPayload.NONE, WithVectors.NONE, null, true));
        assertThat(found.getFirst().id()).isEqualTo(PointId.of(42));
        assertThat(found.getFirst().score()).isCloseTo(0f, Offset.offset(1e-3f));
      }
    }
  }

  @Test
  void valuesOutsideTheDatatypeAreRefused() {
    try (LocalShard shard = new LocalShard(dir, config(VectorDatatype.UINT8, Distance.DOT))) {
      assertThatThrownBy(
              () ->
                  shard.apply(
                      1,
                      new UpdateOp.Upsert(
                          List.of(
                              new Point(
                                  PointId.of(1),
                                  Map.of("", new float[] {0, 1, 2, 3, 4, 5, 6, 256}),
                                  null)))))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("from 0 to 255");
      assertThatThrownBy(
              () ->
                  shard.apply(
                      2,
                      new UpdateOp.Upsert(
                          List.of(
                              new Point(
                                  PointId.of(1),
                                  Map.of("", new float[] {0, 1, 2, 3, 4, 5, 6, -1}),
                                  null)))))
          .hasMessageContaining("from 0 to 255");
    }
    assertThatThrownBy(() -> config(VectorDatatype.UINT8, Distance.COSINE))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
