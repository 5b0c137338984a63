package dev.quiver.storage.internal;

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
