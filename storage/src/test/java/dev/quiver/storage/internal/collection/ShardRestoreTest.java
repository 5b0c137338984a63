package dev.quiver.storage.internal.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shard replaced by its snapshot (a Raft install, a shard snapshot recovery), or kept. */
class ShardRestoreTest {
  @TempDir Path dir;

  private static CollectionConfig config(int dim) {
    return new CollectionConfig(
        Map.of("", new VectorParams(dim, Distance.DOT, null)),
        1,
        1,
        1,
        true,
        HnswConfig.DEFAULT,
        OptimizersConfig.DEFAULT,
        WalConfig.DEFAULT);
  }

  private static void upsert(Collection c, long op, int dim, long... ids) {
    List<Point> points = new ArrayList<>();
    for (long id : ids) {
      float[] v = new float[dim];
      v[0] = id;
      points.add(new Point(PointId.of(id), Map.of("", v), null));
    }
    c.writer().apply(op, new UpdateOp.Upsert(points));
  }

  private static List<Long> ids(Collection c, long... asked) {
    List<PointId> want = new ArrayList<>();
    for (long id : asked) {
      want.add(PointId.of(id));
    }
    return c.reader().retrieve(want, WithPayload.NONE, WithVectors.NONE).stream()
        .map(PointRecord::id)
        .map(id -> Long.parseLong(id.toString()))
        .sorted()
        .toList();
  }

  private static Path snapshot(Collection c, Path file) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      c.snapshotShard(0, out);
    }
    return file;
  }

  private List<String> leftovers() throws IOException {
    try (Stream<Path> list = Files.list(dir.resolve("root/collections/a/shards"))) {
      return list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
    }
  }

  @Test
  void aShardBecomesItsSnapshotAndStaysSoAfterAReopen() throws Exception {
    try (var reg = LocalRegistry.open(dir.resolve("root"))) {
      reg.apply(new CollectionMetaOp.Create("a", config(2)), 1);
      Collection a = reg.require("a");
      upsert(a, 1, 2, 1, 2);
      Path archive = snapshot(a, dir.resolve("a.zip"));
      upsert(a, 2, 2, 3);
      a.writer().apply(3, new UpdateOp.DeletePoints(List.of(PointId.of(1))));
      assertThat(ids(a, 1, 2, 3)).containsExactly(2L, 3L);

      a.restoreShard(0, archive);

      assertThat(ids(a, 1, 2, 3)).containsExactly(1L, 2L);
      upsert(a, 4, 2, 4); // the restored shard takes writes
      assertThat(a.reader().count()).isEqualTo(3);
      assertThat(leftovers()).isEmpty();
    }
    try (var reg = LocalRegistry.open(dir.resolve("root"))) {
      assertThat(ids(reg.require("a"), 1, 2, 3, 4)).containsExactly(1L, 2L, 4L);
    }
  }

  @Test
  void anArchiveThatIsNotAShardOfTheCollectionLeavesTheShardAsItWas() throws Exception {
    try (var reg = LocalRegistry.open(dir.resolve("root"))) {
      reg.apply(new CollectionMetaOp.Create("a", config(2)), 1);
      reg.apply(new CollectionMetaOp.Create("b", config(3)), 2);
      Collection a = reg.require("a");
      Collection b = reg.require("b");
      upsert(a, 1, 2, 1, 2);
      upsert(b, 1, 3, 7, 8, 9);
      Path other = snapshot(b, dir.resolve("b.zip"));

      assertThatThrownBy(() -> a.restoreShard(0, other))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("not a shard of this collection");

      assertThat(ids(a, 1, 2, 7)).containsExactly(1L, 2L);
      upsert(a, 2, 2, 3);
      assertThat(a.reader().count()).isEqualTo(3);
      assertThat(leftovers()).isEmpty();
    }
    try (var reg = LocalRegistry.open(dir.resolve("root"))) {
      assertThat(ids(reg.require("a"), 1, 2, 3)).containsExactly(1L, 2L, 3L);
    }
  }

  @Test
  void aShardSetAsideByAnInterruptedRestoreIsTakenBackAtOpen() throws Exception {
    Path shards = dir.resolve("root/collections/a/shards");
    try (var reg = LocalRegistry.open(dir.resolve("root"))) {
      reg.apply(new CollectionMetaOp.Create("a", config(2)), 1);
      upsert(reg.require("a"), 1, 2, 1, 2);
    }
    // the node stopped after renaming the shard aside and before the archive took its place
    Files.move(shards.resolve("0"), shards.resolve(".replaced-0"));
    try (var reg = LocalRegistry.open(dir.resolve("root"))) {
      assertThat(ids(reg.require("a"), 1, 2)).containsExactly(1L, 2L);
      assertThat(leftovers()).isEmpty();
    }
  }
}
