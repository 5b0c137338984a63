package dev.quiver.storage.internal.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalRegistryTest {
  @TempDir Path dir;

  private static final CollectionConfig CONFIG =
      new CollectionConfig(
          Map.of("", new VectorParams(2, Distance.COSINE, null)),
          1,
          1,
          1,
          true,
          HnswConfig.DEFAULT,
          OptimizersConfig.DEFAULT,
          WalConfig.DEFAULT);

  @Test
  void collectionsAndTheirPointsSurviveReopen() {
    try (var reg = LocalRegistry.open(dir)) {
      assertThat(reg.apply(new CollectionMetaOp.Create("b", CONFIG), 1)).isTrue();
      assertThat(reg.apply(new CollectionMetaOp.Create("a", CONFIG), 2)).isTrue();
      reg.require("a")
          .writer()
          .apply(
              1,
              new UpdateOp.Upsert(
                  List.of(new Point(PointId.of(1), Map.of("", new float[] {1, 0}), null))));
      assertThat(reg.list()).containsExactly("a", "b");
    }
    try (var reg = LocalRegistry.open(dir)) {
      assertThat(reg.list()).containsExactly("a", "b");
      assertThat(reg.lastAppliedIndex()).isEqualTo(2);
      assertThat(reg.require("a").config()).isEqualTo(CONFIG);
      assertThat(reg.require("a").reader().count()).isEqualTo(1);
    }
  }

  @Test
  void indexingWaitsForTheThresholdAndZeroTurnsItOff() throws Exception {
    int dim = 8;
    CollectionConfig off = withThreshold(dim, 0, HnswConfig.DEFAULT);
    java.util.Random r = new java.util.Random(7);
    List<Point> points = new java.util.ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = (float) r.nextGaussian();
      }
      points.add(new Point(PointId.of(i), Map.of("", v), null));
    }
    float[] q = points.get(5).vectors().get("");
    var graph =
        new dev.quiver.storage.SearchRequest(
            "",
            q,
            10,
            0,
            null,
            dev.quiver.storage.WithPayload.NONE,
            dev.quiver.storage.WithVectors.NONE,
            32,
            false);
    var exact =
        new dev.quiver.storage.SearchRequest(
            "",
            q,
            10,
            0,
            null,
            dev.quiver.storage.WithPayload.NONE,
            dev.quiver.storage.WithVectors.NONE,
            null,
            true);
    List<dev.quiver.storage.ScoredPoint> want;
    try (var reg = LocalRegistry.open(dir)) {
      reg.apply(new CollectionMetaOp.Create("c", off), 1);
      var c = reg.require("c");
      c.writer().apply(1, new UpdateOp.Upsert(points));
      // indexing off: nothing indexed, no backlog (status green), searches exact
      assertThat(c.info().indexedVectorsCount()).isZero();
      assertThat(c.info().optimizing()).isFalse();
      want = c.reader().search(exact);
      assertThat(c.reader().search(graph)).isEqualTo(want);
    } // closing checkpoints a graph without these slots
    try (var reg = LocalRegistry.open(dir)) {
      var c = reg.require("c");
      assertThat(c.reader().search(graph)).isEqualTo(want);
      // 20 KB: the 2,000 x 8 floats (62 KB) are past it, so the graph is built in the background
      var on = withThreshold(dim, 20, new HnswConfig(16, 64, 0, 0, false));
      reg.apply(new CollectionMetaOp.UpdateConfig("c", on), 2);
      assertThat(c.config()).isEqualTo(on);
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (c.info().indexedVectorsCount() < 2000 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(c.info().indexedVectorsCount()).isEqualTo(2000);
      var found = c.reader().search(graph).stream().map(p -> p.id()).toList();
      assertThat(want.stream().filter(p -> found.contains(p.id())).count())
          .isGreaterThanOrEqualTo(9);
      // what cannot change in place is refused
      assertThatThrownBy(
              () ->
                  reg.apply(
                      new CollectionMetaOp.UpdateConfig(
                          "c", withThreshold(4, 20, HnswConfig.DEFAULT)),
                      3))
          .isInstanceOf(StorageException.BadInput.class);
    }
    try (var reg = LocalRegistry.open(dir)) {
      assertThat(reg.require("c").config().optimizers().indexingThreshold()).isEqualTo(20);
    }
  }

  private static CollectionConfig withThreshold(int dim, int kb, HnswConfig hnsw) {
    return new CollectionConfig(
        Map.of("", new VectorParams(dim, Distance.DOT, null)),
        1,
        1,
        1,
        true,
        hnsw,
        new OptimizersConfig(0.2, 1000, 0, null, kb, 5, null),
        WalConfig.DEFAULT);
  }

  @Test
  void quotasArePersistedAsJsonAndSurviveReopen() throws Exception {
    var set = new dev.quiver.storage.QuotaConfig(true, 90, null, 0);
    try (var reg = LocalRegistry.open(dir)) {
      assertThat(reg.quotas()).isEmpty();
      assertThat(reg.apply(new CollectionMetaOp.SetQuotas(set), 1)).isTrue();
      assertThat(reg.quotas()).contains(set);
      // a replayed entry changes nothing
      assertThat(
              reg.apply(new CollectionMetaOp.SetQuotas(dev.quiver.storage.QuotaConfig.DISABLED), 1))
          .isFalse();
    }
    assertThat(Files.readString(dir.resolve("quota.json")))
        .isEqualTo(
            "{\"enabled\": true, \"max_resident_memory_percent\": 90, \"max_disk_usage_percent\":"
                + " null, \"release_margin_percent\": 0}\n");
    try (var reg = LocalRegistry.open(dir)) {
      assertThat(reg.quotas()).contains(set);
    }
    // a file an operator edited is read as JSON; a broken one stops the start with its name
    Files.writeString(dir.resolve("quota.json"), "{ \"max_disk_usage_percent\" : 80 }");
    try (var reg = LocalRegistry.open(dir)) {
      assertThat(reg.quotas()).contains(new dev.quiver.storage.QuotaConfig(false, null, 80, null));
    }
    Files.writeString(dir.resolve("quota.json"), "{\"max_disk_usage_percent\": 180}");
    assertThatThrownBy(() -> LocalRegistry.open(dir))
        .isInstanceOf(StorageException.Corrupted.class)
        .hasMessageContaining("quota.json")
        .hasMessageContaining("max_disk_usage_percent");
  }

  @Test
  void replayedIndexesChangeNothing() {
    try (var reg = LocalRegistry.open(dir)) {
      reg.apply(new CollectionMetaOp.Create("a", CONFIG), 1);
      assertThat(reg.apply(new CollectionMetaOp.Create("a", CONFIG), 1)).isFalse();
      assertThat(reg.apply(new CollectionMetaOp.Drop("a"), 1)).isFalse();
      assertThat(reg.list()).containsExactly("a");
    }
  }

  @Test
  void duplicateCreateFailsAndDropRemovesTheFiles() {
    try (var reg = LocalRegistry.open(dir)) {
      reg.apply(new CollectionMetaOp.Create("a", CONFIG), 1);
      assertThatThrownBy(() -> reg.apply(new CollectionMetaOp.Create("a", CONFIG), 2))
          .isInstanceOf(StorageException.AlreadyExists.class)
          .hasMessage("Collection `a` already exists!");
      reg.apply(new CollectionMetaOp.Drop("a"), 3);
      assertThat(reg.get("a")).isEmpty();
      assertThat(dir.resolve("collections/a")).doesNotExist();
      assertThatThrownBy(() -> reg.require("a"))
          .isInstanceOf(StorageException.NotFound.class)
          .hasMessage("Collection `a` doesn't exist!");
    }
  }

  @Test
  void namesThatAreNotSafeDirectoryNamesAreRejected() {
    try (var reg = LocalRegistry.open(dir)) {
      for (String bad : List.of("../x", "a/b", ".hidden", "", "x".repeat(256), "a\\b", "a\0b")) {
        assertThatThrownBy(() -> reg.apply(new CollectionMetaOp.Create(bad, CONFIG), 1))
            .as(bad)
            .isInstanceOf(StorageException.BadInput.class);
      }
      assertThat(reg.list()).isEmpty();
    }
  }

  @Test
  void leftoversOfInterruptedCreatesAndDropsAreCleanedUp() throws Exception {
    Files.createDirectories(dir.resolve("collections/.create-x/shards"));
    Files.createDirectories(dir.resolve("collections/.drop-y-123/shards"));
    try (var reg = LocalRegistry.open(dir)) {
      assertThat(reg.list()).isEmpty();
    }
    assertThat(dir.resolve("collections/.create-x")).doesNotExist();
    assertThat(dir.resolve("collections/.drop-y-123")).doesNotExist();
  }

  @Test
  void corruptMetadataIsReportedWithTheFile() throws Exception {
    try (var reg = LocalRegistry.open(dir)) {
      reg.apply(new CollectionMetaOp.Create("a", CONFIG), 1);
    }
    Path meta = dir.resolve("collections/a/collection.meta");
    byte[] b = Files.readAllBytes(meta);
    b[b.length / 2] ^= 0x40;
    Files.write(meta, b);
    assertThatThrownBy(() -> LocalRegistry.open(dir))
        .isInstanceOf(StorageException.Corrupted.class)
        .hasMessageContaining("collection.meta");
  }
}
