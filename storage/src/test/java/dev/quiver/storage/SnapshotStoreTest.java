package dev.quiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
  static final CollectionConfig CONFIG =
      new CollectionConfig(
          Map.of("", new VectorParams(8, Distance.COSINE, null)),
          1,
          1,
          1,
          true,
          new HnswConfig(16, 64, 10, 0, false), // small threshold: searches walk the graph
          OptimizersConfig.DEFAULT,
          WalConfig.DEFAULT);

  @TempDir Path dir;

  static List<Point> points(Random random, int from, int n) {
    List<Point> out = new ArrayList<>();
    for (int i = from; i < from + n; i++) {
      float[] v = new float[8];
      for (int d = 0; d < 8; d++) {
        v[d] = random.nextFloat() - 0.5f;
      }
      out.add(
          new Point(
              new PointId.Num(i),
              Map.of("", v),
              new Value.Struct(Map.of("i", new Value.Int(i), "tag", new Value.Str("t" + i % 3)))));
    }
    return out;
  }

  @Test
  void aSnapshotRestoresToAnIdenticalCollectionAsOfItsMoment() throws Exception {
    Random random = new Random(42);
    try (CollectionRegistry reg = Storage.open(dir.resolve("storage"))) {
      var store = new SnapshotStore(dir.resolve("snapshots"), reg);
      reg.apply(new CollectionMetaOp.Create("src", CONFIG), 1);
      reg.require("src").writer().apply(1, new UpdateOp.Upsert(points(random, 0, 500)));
      reg.require("src").writer().awaitIndexed();
      var info = reg.require("src").info();
      assertThat(info.optimizing()).as("nothing left to index").isFalse();
      assertThat(info.indexedVectorsCount()).isEqualTo(500);
      var snap = store.create("src");
      // written after the snapshot: not in it
      reg.require("src").writer().apply(2, new UpdateOp.Upsert(points(random, 500, 50)));

      Path file = store.file("src", snap.name());
      assertThat(snap.size()).isEqualTo(Files.size(file));
      assertThat(snap.checksum()).isEqualTo(SnapshotStore.sha256(file));
      assertThat(store.list("src"))
          .extracting(SnapshotStore.Description::name)
          .containsExactly(snap.name());

      reg.apply(new CollectionMetaOp.Restore("copy", store.local(file.toUri())), 2);
      var copy = reg.require("copy").reader();
      var src = reg.require("src").reader();
      assertThat(copy.count()).isEqualTo(500);
      float[] q = points(new Random(7), 0, 1).getFirst().vectors().get("");
      var request = new SearchRequest("", q, 10, 0, null, WithPayload.ALL, WithVectors.NONE);
      var onCopy = copy.search(request);
      var onSource =
          src.search(
              new SearchRequest(
                  "",
                  q,
                  10,
                  0,
                  null,
                  WithPayload.ALL,
                  WithVectors.NONE,
                  null,
                  false,
                  new Filter(
                      List.of(new Condition.Range("i", null, null, 500.0, null, false)),
                      List.of(),
                      List.of(),
                      null)));
      assertThat(onCopy)
          .extracting(ScoredPoint::id)
          .isEqualTo(onSource.stream().map(ScoredPoint::id).toList());
      assertThat(onCopy.getFirst().payload()).isEqualTo(onSource.getFirst().payload());

      // restoring over an existing collection replaces it
      reg.apply(new CollectionMetaOp.Restore("src", file), 3);
      assertThat(reg.require("src").reader().count()).isEqualTo(500);
    }
    // and the restored collections reopen
    try (CollectionRegistry reg = Storage.open(dir.resolve("storage"))) {
      assertThat(reg.require("copy").reader().count()).isEqualTo(500);
    }
  }

  @Test
  void archivesThatEscapeOrAreNotCollectionsAreRefusedAndChangeNothing() throws Exception {
    try (CollectionRegistry reg = Storage.open(dir.resolve("storage"))) {
      var store = new SnapshotStore(dir.resolve("snapshots"), reg);
      reg.apply(new CollectionMetaOp.Create("keep", CONFIG), 1);
      reg.require("keep").writer().apply(1, new UpdateOp.Upsert(points(new Random(1), 0, 10)));
      Path evil = dir.resolve("snapshots/keep/evil.snapshot");
      Files.createDirectories(evil.getParent());
      try (var zip = new ZipOutputStream(Files.newOutputStream(evil))) {
        zip.putNextEntry(new ZipEntry("../../../escaped.txt"));
        zip.write("x".getBytes());
        zip.closeEntry();
      }
      assertThatThrownBy(() -> reg.apply(new CollectionMetaOp.Restore("keep", evil), 2))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("outside");
      assertThat(dir.resolve("escaped.txt")).doesNotExist();
      Path empty = dir.resolve("snapshots/keep/empty.snapshot");
      try (var zip = new ZipOutputStream(Files.newOutputStream(empty))) {
        zip.putNextEntry(new ZipEntry("readme.txt"));
        zip.closeEntry();
      }
      assertThatThrownBy(() -> reg.apply(new CollectionMetaOp.Restore("keep", empty), 2))
          .isInstanceOf(StorageException.BadInput.class);
      assertThat(reg.require("keep").reader().count()).isEqualTo(10);

      assertThatThrownBy(() -> store.local(dir.resolve("elsewhere.snapshot").toUri()))
          .isInstanceOf(StorageException.BadInput.class)
          .hasMessageContaining("inside the snapshots directory");
      assertThatThrownBy(() -> store.file("keep", "../../storage/registry.state"))
          .isInstanceOf(StorageException.NotFound.class);

      var full = store.createFull();
      assertThat(store.listFull())
          .extracting(SnapshotStore.Description::name)
          .containsExactly(full.name());
      store.deleteFull(full.name());
      assertThat(store.listFull()).isEmpty();
    }
  }

  /**
   * A snapshot opened to be read, beside the collections and not one of them: it holds the points
   * of its moment, and closing it leaves no files behind; a file that is not a snapshot is refused.
   */
  @Test
  void aSnapshotIsOpenedToBeReadAndLeavesNothingBehind() throws Exception {
    Random random = new Random(7);
    Path storage = dir.resolve("storage");
    try (CollectionRegistry reg = Storage.open(storage)) {
      var store = new SnapshotStore(dir.resolve("snapshots"), reg);
      reg.apply(new CollectionMetaOp.Create("src", CONFIG), 1);
      reg.require("src").writer().apply(1, new UpdateOp.Upsert(points(random, 0, 40)));
      Path file = store.file("src", store.create("src").name());
      reg.require("src").writer().apply(2, new UpdateOp.Upsert(points(random, 40, 5)));
      try (CollectionArchive archive = reg.openArchive(file)) {
        Collection read = archive.collection();
        assertThat(read.config().vectors()).isEqualTo(CONFIG.vectors());
        assertThat(read.reader(0).count(null)).isEqualTo(40);
        var page = read.reader(0).scroll(null, null, 10, WithPayload.ALL, WithVectors.ALL);
        assertThat(page.points()).hasSize(10);
        assertThat(page.points().getFirst().asPoint().payload().fields()).containsKey("i");
        assertThat(reg.list()).containsExactly("src"); // not one of the node's collections
      }
      try (var left = Files.list(storage.resolve("collections"))) {
        assertThat(left.map(f -> f.getFileName().toString())).containsExactly("src");
      }
      Path junk = dir.resolve("junk.snapshot");
      Files.writeString(junk, "not a snapshot");
      assertThatThrownBy(() -> reg.openArchive(junk)).isInstanceOf(StorageException.BadInput.class);
    }
  }
}
